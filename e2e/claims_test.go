package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// signClaims signs a claims object written by hand with the server's secret, as a
// frontend with a sloppy token library (or an attacker who got one signed) could.
func signClaims(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	unsigned := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims))
	mac := hmac.New(sha256.New, []byte(jwtSecret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc(mac.Sum(nil))
}

// TestShadowedClaimsRefused: a token whose claims say "Role" (or "role" twice) is
// refused at connect and over HTTP, naming the claim, instead of becoming an admin
// (encoding/json matches keys case-insensitively and lets the last duplicate win).
func TestShadowedClaimsRefused(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	cases := map[string]struct{ claims, want string }{
		"case":      {`{"sub":"mallory","Role":"admin","exp":` + exp + `}`, "unauthorized: invalid token claims: Role: unknown field"},
		"duplicate": {`{"sub":"mallory","role":"user","role":"admin","exp":` + exp + `}`, "unauthorized: invalid token claims: role: duplicate field"},
	}
	for name, c := range cases {
		tok := signClaims(c.claims)
		for _, tr := range []string{"websocket", "polling"} {
			ans := a.connect(name+tr, map[string]any{"transports": []string{tr}, "auth": map[string]string{"token": tok}})
			if ans.OK || ans.Error != c.want {
				t.Errorf("%s over %s: ok=%v error=%q, want %q", name, tr, ans.OK, ans.Error, c.want)
			}
		}
		status, body := do(t, "GET", s.URL+"/api/users/alice/launches", "", map[string]string{"Authorization": "Bearer " + tok})
		if status != http.StatusUnauthorized {
			t.Errorf("%s over HTTP: %d %s", name, status, body)
		}
	}
	// The same claims spelled right still work.
	if ans := a.connect("good", map[string]any{"auth": map[string]string{"token": signClaims(`{"sub":"mallory","exp":` + exp + `}`)}}); !ans.OK {
		t.Errorf("a well-formed token was refused: %+v", ans)
	}
}
