package store_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// progressRec is a worker_progress record as the reporter builds it.
func progressRec(job, user string, seq int64, status wire.Status, pct int) wire.Record {
	return progressRecWith(job, user, seq, status, pct, &wire.Details{TokenName: "Nitro"})
}

func progressRecWith(job, user string, seq int64, status wire.Status, pct int, d *wire.Details) wire.Record {
	ev := wire.WorkerProgressEvent{
		JobID: job, WorkerType: wire.LaunchToken, UserID: user, UserChatID: 42,
		Phase: 1, TotalPhases: 3, PhaseTitle: "Phase", Progress: pct, Status: status,
		Timestamp: time.Now().UnixMilli(), Details: d,
	}
	return record(job, user, seq, wire.EventWorkerProgress, ev)
}

// stepRec is a worker_step record.
func stepRec(job, user string, seq int64, n int) wire.Record {
	ev := wire.WorkerStepEvent{
		JobID: job, WorkerType: string(wire.LaunchToken), UserID: user,
		Step: "buy", StepNumber: n, TotalSteps: 10, Message: "buying", Timestamp: time.Now().UnixMilli(),
		Data: map[string]any{"wallet": n},
	}
	return record(job, user, seq, wire.EventWorkerStep, ev)
}

func record(job, user string, seq int64, name string, payload any) wire.Record {
	r, err := wire.NewRecord(name, payload)
	if err != nil {
		panic(err)
	}
	r.JobID, r.UserID, r.Seq, r.At = job, user, seq, time.Now()
	return r
}

// batchOf is events with the row of each job whose worker_progress they carry, the
// latest per job, in id order: what the hub hands the store.
func batchOf(events []wire.Record) wire.Batch {
	b := wire.Batch{Events: events}
	at := map[string]int{}
	for _, rec := range events {
		if rec.Name != wire.EventWorkerProgress {
			continue
		}
		var ev wire.WorkerProgressEvent
		if err := json.Unmarshal(rec.JSON, &ev); err != nil {
			panic(err)
		}
		state := wire.JobRunning
		switch ev.Status {
		case wire.StatusCompleted:
			state = wire.JobCompleted
		case wire.StatusFailed:
			state = wire.JobFailed
		}
		if i, ok := at[rec.JobID]; ok {
			if rec.Seq > b.Jobs[i].Seq {
				b.Jobs[i] = rowOf(rec, state)
			}
			continue
		}
		at[rec.JobID] = len(b.Jobs)
		b.Jobs = append(b.Jobs, rowOf(rec, state))
	}
	slices.SortFunc(b.Jobs, func(x, y wire.JobRow) int { return strings.Compare(x.ID, y.ID) })
	return b
}

// rowOf is the job row a run's reporter hands the store with a worker_progress record.
func rowOf(rec wire.Record, state wire.JobState) wire.JobRow {
	row := wire.JobRow{
		ID: rec.JobID, Seq: rec.Seq, Type: wire.LaunchToken, UserID: rec.UserID, UserChatID: 42,
		TokenAddress: rec.TokenAddress, Queue: "default", MaxRetry: 3, State: state, Latest: rec.JSON,
		StartedAt: time.Now(),
	}
	if state.Terminal() {
		row.EndedAt = time.Now()
	}
	return row
}

// keypair returns a fresh 64-byte Solana secret (seed || public key).
func keypair(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v; want %v", err, target)
	}
}

// assertNoSecret fails if text holds the secret (or its seed half) in any usual
// encoding: hex, base58, base64, or Go's byte-slice formatting.
func assertNoSecret(t testing.TB, text string, secret []byte) {
	t.Helper()
	for _, part := range [][]byte{secret, secret[:32]} {
		for _, enc := range []string{
			hex.EncodeToString(part), base58.Encode(part), base64.StdEncoding.EncodeToString(part),
			base64.RawURLEncoding.EncodeToString(part), strings.Trim(fmt.Sprint([]byte(part)), "[]"),
		} {
			if strings.Contains(text, enc) {
				t.Fatalf("secret found in %q", text)
			}
		}
	}
}
