package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// lamportsPerSOL converts the SOL amounts of payloads.
const lamportsPerSOL = 1_000_000_000

// apiCall sends an API-key request to nitro and returns the status and body.
func (s *server) apiCall(method, path string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// wallet is a keypair the test holds, registered with nitro for a user.
type wallet struct {
	Key   solana.PrivateKey
	Label string
}

func (w wallet) Pub() solana.PublicKey { return w.Key.PublicKey() }

// registerWallet generates a keypair here (so the test can check the chain for it)
// and registers its secret with POST /api/wallets; the reply must not echo it.
func (s *server) registerWallet(user, label string) wallet {
	s.t.Helper()
	key, err := solana.NewRandomPrivateKey()
	if err != nil {
		s.t.Fatal(err)
	}
	status, body := s.apiCall("POST", "/api/wallets", map[string]any{"userId": user, "label": label, "secretKey": key.String()})
	if status != http.StatusCreated {
		s.t.Fatalf("register wallet %s: %d %s", label, status, body)
	}
	if strings.Contains(string(body), key.String()) {
		s.t.Fatal("POST /api/wallets echoed the secret key")
	}
	var rep struct {
		PublicKey string `json:"publicKey"`
	}
	mustJSON(s.t, body, &rep)
	if rep.PublicKey != key.PublicKey().String() {
		s.t.Fatalf("registered %s, nitro says %s", key.PublicKey(), rep.PublicKey)
	}
	return wallet{Key: key, Label: label}
}

// enqueue posts a job and returns its id.
func (s *server) enqueue(typ progress.WorkerType, payload map[string]any) string {
	s.t.Helper()
	status, body := s.apiCall("POST", "/api/jobs/"+string(typ), payload)
	if status != http.StatusAccepted {
		s.t.Fatalf("enqueue %s: %d %s", typ, status, body)
	}
	var rep struct {
		JobID string `json:"jobId"`
	}
	mustJSON(s.t, body, &rep)
	return rep.JobID
}

// jobView is GET /api/jobs/{id}.
type jobView struct {
	JobID    string                        `json:"jobId"`
	State    string                        `json:"state"`
	Attempt  int                           `json:"attempt"`
	Progress *progress.WorkerProgressEvent `json:"progress"`
	Result   json.RawMessage               `json:"result"`
	Error    string                        `json:"error"`
}

// launchResult is the result of every launch job (the external contract).
type launchResult struct {
	TokenAddress string `json:"tokenAddress"`
	MetadataURI  string `json:"metadataUri"`
	Signatures   struct {
		Create string   `json:"create"`
		Buys   []string `json:"buys"`
	} `json:"signatures"`
	DevTokens   float64 `json:"devTokens"` // UI amounts (decimals applied)
	BuyerTokens []struct {
		PublicKey string  `json:"publicKey"`
		Signature string  `json:"signature"`
		Tokens    float64 `json:"tokens"`
	} `json:"buyerTokens"`
}

// sellResult is the result of dev_sell and wallet_sell.
type sellResult struct {
	Signatures  []string `json:"signatures"`
	SolReceived float64  `json:"solReceived"`
	TokensSold  float64  `json:"tokensSold"`
}

func (s *server) job(id string) (jobView, bool) {
	status, body := s.apiCall("GET", "/api/jobs/"+id, nil)
	if status == http.StatusNotFound {
		return jobView{}, false
	}
	if status != http.StatusOK {
		s.t.Fatalf("GET /api/jobs/%s: %d %s", id, status, body)
	}
	var v jobView
	mustJSON(s.t, body, &v)
	return v, true
}

// waitJob polls GET /api/jobs/{id} until the job completed or failed for good.
func (s *server) waitJob(id string, d time.Duration) jobView {
	s.t.Helper()
	var v jobView
	testkit.WaitFor(s.t, d, "job "+id+" to end", func() bool {
		var ok bool
		v, ok = s.job(id)
		return ok && (v.State == "completed" || v.State == "failed")
	})
	return v
}

// storedEvent is one row of job_events: every event as emitted, in seq order.
type storedEvent struct {
	Seq     int64
	Name    string
	Payload json.RawMessage
}

// dbURL is the server's DATABASE_URL.
func (s *server) dbURL() string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok {
			return v
		}
	}
	s.t.Fatal("no DATABASE_URL in the server env")
	return ""
}

// withDB runs fn on a connection to the server's database, within timeout: the tests
// read what the server stored, even while the server is dead.
func (s *server) withDB(timeout time.Duration, fn func(ctx context.Context, conn *pgx.Conn)) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dbURL())
	if err != nil {
		s.t.Fatalf("connect to the server's database: %v", err)
	}
	defer conn.Close(ctx)
	fn(ctx, conn)
}

// jobEvents reads a job's event log from Postgres: what a page that reconnects is
// rebuilt from, and what survives a kill -9.
func (s *server) jobEvents(jobID string) (out []storedEvent) {
	s.t.Helper()
	s.withDB(10*time.Second, func(ctx context.Context, conn *pgx.Conn) {
		rows, err := conn.Query(ctx, "SELECT seq, name, payload FROM job_events WHERE job_id = $1 ORDER BY seq", jobID)
		if err != nil {
			s.t.Fatalf("read job_events: %v", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (storedEvent, error) {
			var e storedEvent
			err := r.Scan(&e.Seq, &e.Name, &e.Payload)
			return e, err
		})
		if err != nil {
			s.t.Fatalf("read job_events: %v", err)
		}
	})
	return out
}

// asEvents turns stored rows into the agent's event shape, so one checker serves both.
func asEvents(rows []storedEvent) []event {
	out := make([]event, len(rows))
	for i, r := range rows {
		out[i] = event{Event: r.Name, Payload: r.Payload}
	}
	return out
}
