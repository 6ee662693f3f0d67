package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"
)

func do(t *testing.T, method, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The HTTP side of a real nitro serve: health with real checks, the API's auth and
// validation, asynqmon behind admin auth, metrics, and no secret in any answer.
func TestHTTPSurface(t *testing.T) {
	s := startServer(t)
	code, body := do(t, "GET", s.URL+"/health", "", nil)
	var h map[string]any
	_ = json.Unmarshal([]byte(body), &h)
	if code != 200 || h["status"] != "ok" || h["redis"] == nil || h["postgres"] == nil || h["solana"] == nil {
		t.Fatalf("/health = %d %s", code, body)
	}

	key := map[string]string{"Authorization": "Bearer " + apiKey, "Content-Type": "application/json"}
	if code, _ := do(t, "POST", s.URL+"/api/jobs/dev_sell", `{"userId":"u1"}`, map[string]string{"Content-Type": "application/json"}); code != 401 {
		t.Errorf("enqueue without a key = %d, want 401", code)
	}
	code, body = do(t, "POST", s.URL+"/api/jobs/dev_sell", `{"userId":"u1","sellPercent":150,"tokenAddress":"nope"}`, key)
	if code != 400 || !strings.Contains(body, "sellPercent") || !strings.Contains(body, "tokenAddress") {
		t.Errorf("bad payload = %d %s, want 400 naming sellPercent and tokenAddress", code, body)
	}
	code, body = do(t, "POST", s.URL+"/api/jobs/dev_sell", `{"userId":"u1","sellPercent":50,"tokenAddress":"So11111111111111111111111111111111111111112","surprise":1}`, key)
	if code != 400 || !strings.Contains(body, "surprise") {
		t.Errorf("unknown field = %d %s, want 400 naming it", code, body)
	}
	if code, _ := do(t, "POST", s.URL+"/api/jobs/no_such_type", `{}`, key); code != 404 {
		t.Errorf("unknown job type = %d, want 404", code)
	}

	// A wallet registered with its secret answers with the public key only.
	kp, err := sol.NewRandomPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	secret := kp.String()
	code, body = do(t, "POST", s.URL+"/api/wallets", `{"userId":"u1","label":"dev","secretKey":"`+secret+`"}`, key)
	if code != 201 || strings.Contains(body, secret) || !strings.Contains(body, "publicKey") {
		t.Errorf("POST /api/wallets = %d %s", code, body)
	}
	code, body = do(t, "GET", s.URL+"/api/users/u1/wallets", "", map[string]string{"Authorization": "Bearer " + s.token("u1", false)})
	if code != 200 || strings.Contains(body, secret) || !strings.Contains(body, "dev") {
		t.Errorf("GET wallets = %d %s", code, body)
	}
	if code, _ := do(t, "GET", s.URL+"/api/users/u1/wallets", "", map[string]string{"Authorization": "Bearer " + s.token("u2", false)}); code != 403 {
		t.Errorf("another user's wallets = %d, want 403", code)
	}

	if code, _ := do(t, "GET", s.URL+"/monitoring/", "", nil); code != 401 {
		t.Errorf("/monitoring/ without auth = %d, want 401", code)
	}
	var resp *http.Response
	req, _ := http.NewRequest("GET", s.URL+"/monitoring/api/queues", nil)
	req.SetBasicAuth("admin", adminPass)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("/monitoring/api/queues with admin basic auth: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	if code, _ := do(t, "GET", s.URL+"/monitoring/", "", map[string]string{"Authorization": "Bearer " + s.token("root", true)}); code != 200 {
		t.Errorf("/monitoring/ with an admin token = %d, want 200", code)
	}

	code, body = do(t, "GET", s.URL+"/metrics", "", nil)
	for _, series := range []string{"nitro_sockets", "nitro_progress_events"} {
		if code != 200 || !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %s (status %d)", series, code)
		}
	}
	for _, secretish := range []string{jwtSecret, adminPass, apiKey} {
		if strings.Contains(s.logs.String(), secretish) {
			t.Errorf("a secret reached the logs")
		}
	}
}
