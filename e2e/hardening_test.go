package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostileClients drives a real nitro serve the way hostile or careless clients
// would: guessing the admin password, reusing Telegram message ids as Idempotency-Keys
// across chats, and framing /monitoring/.
func TestHostileClients(t *testing.T) {
	s := startServer(t)
	t.Run("admin guessing is throttled", func(t *testing.T) {
		var last int
		var retry string
		for i := range 8 {
			req, _ := http.NewRequest("GET", s.URL+"/monitoring/api/queues", nil)
			req.SetBasicAuth("admin", "guess-"+strconv.Itoa(i))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			last, retry = resp.StatusCode, resp.Header.Get("Retry-After")
		}
		if last != http.StatusTooManyRequests || retry == "" {
			t.Fatalf("8th wrong password: %d Retry-After %q, want 429 with Retry-After", last, retry)
		}
		if got := readMetric(t, s.URL, `nitro_auth_throttled_total{realm="admin"}`); got < 1 {
			t.Fatalf("nitro_auth_throttled_total = %v", got)
		}
		if strings.Contains(s.logs.String(), "guess-") {
			t.Fatal("a typed password reached the log")
		}
	})
	t.Run("idempotency keys are per user", func(t *testing.T) {
		jobs := map[string]string{}
		for _, user := range []string{"chat-a", "chat-b"} {
			// A payload that names no wallet or launch: the key, not ownership, is tested.
			body := map[string]any{"userId": user, "platform": "pump", "name": "Idem", "symbol": "IDM", "image": tinyPNG}
			code, rep := s.apiCallWith("POST", "/api/jobs/create_token_metadata", body, "Idempotency-Key", "tg-message-1001")
			if code != http.StatusAccepted {
				t.Fatalf("%s: %d %s", user, code, rep)
			}
			var r struct{ JobID string }
			mustJSON(t, rep, &r)
			jobs[user] = r.JobID
		}
		if jobs["chat-a"] == jobs["chat-b"] {
			t.Fatal("two users share one job through an Idempotency-Key")
		}
		body := map[string]any{"userId": "chat-a", "platform": "pump", "name": "Other", "symbol": "IDM", "image": tinyPNG}
		if code, rep := s.apiCallWith("POST", "/api/jobs/create_token_metadata", body, "Idempotency-Key", "tg-message-1001"); code != http.StatusUnprocessableEntity ||
			!strings.Contains(string(rep), "name") {
			t.Fatalf("same key, other payload: %d %s", code, rep)
		}
	})
	t.Run("wallet bodies are read exactly", func(t *testing.T) {
		for field, body := range map[string]string{
			"UserId": `{"userId":"a","UserId":"b","generate":true}`,
			"label":  `{"userId":"a","label":"dev\u0000","generate":true}`,
		} {
			code, rep := do(t, "POST", s.URL+"/api/wallets", body, map[string]string{"Authorization": "Bearer " + apiKey, "Content-Type": "application/json"})
			var e struct {
				Fields map[string]string `json:"fields"`
			}
			if code != http.StatusBadRequest || json.Unmarshal([]byte(rep), &e) != nil || e.Fields[field] == "" {
				t.Errorf("%s: %d %s, want a 400 naming it", body, code, rep)
			}
		}
	})
	t.Run("monitoring cannot be framed", func(t *testing.T) {
		// An admin token: this address is throttled for basic auth by now, a token never is.
		req, _ := http.NewRequest("GET", s.URL+"/monitoring/", nil)
		req.Header.Set("Authorization", "Bearer "+s.token("ops", true))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("monitoring with an admin token: %v %v", resp, err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Fatalf("monitoring headers %v", h)
		}
	})
	t.Run("production refuses guessable secrets", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, nitroBin, "serve")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "NITRO_ENV=production", "NITRO_ADMIN_PASSWORD=changeme",
			"NITRO_API_KEYS=bot-key", "NITRO_JWT_SECRET=" + jwtSecret, "SOLANA_RPC_URL=http://127.0.0.1:1",
			"NITRO_MASTER_KEY=" + base64.StdEncoding.EncodeToString(make([]byte, 32)), "NITRO_DATA_DIR=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "NITRO_ADMIN_PASSWORD") || !strings.Contains(string(out), "NITRO_API_KEYS") {
			t.Fatalf("production start with weak secrets: %v\n%s", err, out)
		}
		if strings.Contains(string(out), "changeme") || strings.Contains(string(out), "bot-key") {
			t.Fatalf("the refusal printed a secret:\n%s", out)
		}
	})
}

// apiCallWith is apiCall with extra request headers (name, value pairs).
func (s *server) apiCallWith(method, path string, body any, hdr ...string) (int, []byte) {
	s.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}
