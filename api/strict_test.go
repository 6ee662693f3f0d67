package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// Go's encoding/json would take "UserId" for userId (last one wins) and store a NUL
// label that PostgreSQL then refuses with a 503: every body is read exactly, and the
// 400 names the key.
func TestStrictWalletBody(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	secret, _ := keypair(t)
	cases := []struct {
		name, body, field string
	}{
		{"case", `{"userId":"a","UserId":"b","generate":true}`, "UserId"},
		{"duplicate", `{"userId":"a","userId":"b","generate":true}`, "userId"},
		{"caseOfFlag", `{"userId":"a","Generate":true}`, "Generate"},
		{"unknown", `{"userId":"a","generate":true,"kind":"platform"}`, "kind"},
		{"nulLabel", `{"userId":"a","label":"dev\u0000","generate":true}`, "label"},
		{"invalidUTF8Label", "{\"userId\":\"a\",\"label\":\"dev\xff\",\"generate\":true}", "label"},
		{"typeOfLabel", `{"userId":"a","label":7,"generate":true}`, "label"},
		{"duplicateSecret", `{"userId":"a","secretKey":"` + secret + `","secretKey":"x"}`, "secretKey"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := h.expect(h.call("POST", "/api/wallets", "key", c.body), http.StatusBadRequest)
			fields, _ := m["fields"].(map[string]any)
			if fields[c.field] == nil || !strings.Contains(m["error"].(string), c.field) {
				t.Fatalf("400 does not name %s: %v", c.field, m)
			}
		})
	}
	m := h.expect(h.call("GET", "/api/users/b/wallets", "key", nil), http.StatusOK)
	if ws, _ := m["wallets"].([]any); len(ws) != 0 {
		t.Fatalf("a refused body registered a wallet for b: %v", m)
	}
	h.expect(h.call("POST", "/api/wallets", "key", `[1]`), http.StatusBadRequest)
	h.assertNeverSent(secret)
}
