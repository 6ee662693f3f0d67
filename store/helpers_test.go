package store_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/progress"
)

// progressRec is a worker_progress record as the reporter builds it.
func progressRec(job, user string, seq int64, status progress.Status, pct int) progress.Record {
	ev := progress.WorkerProgressEvent{
		JobID: job, WorkerType: progress.LaunchToken, UserID: user, UserChatID: 42,
		Phase: 1, TotalPhases: 3, PhaseTitle: "Phase", Progress: pct, Status: status,
		Timestamp: time.Now().UnixMilli(), Details: &progress.Details{TokenName: "Nitro"},
	}
	return progress.Record{JobID: job, UserID: user, Seq: seq, Name: progress.EventWorkerProgress, Payload: ev, At: time.Now()}
}

// stepRec is a worker_step record.
func stepRec(job, user string, seq int64, n int) progress.Record {
	ev := progress.WorkerStepEvent{
		JobID: job, WorkerType: string(progress.LaunchToken), UserID: user,
		Step: "buy", StepNumber: n, TotalSteps: 10, Message: "buying", Timestamp: time.Now().UnixMilli(),
		Data: map[string]any{"wallet": n},
	}
	return progress.Record{JobID: job, UserID: user, Seq: seq, Name: progress.EventWorkerStep, Payload: ev, At: time.Now()}
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
