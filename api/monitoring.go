package api

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/hibiken/asynqmon"
	"github.com/mr-tron/base58"
)

// MonitoringPath is where asynqmon is mounted.
const MonitoringPath = "/monitoring"

// monitoring is asynqmon behind admin auth, with payloads and results redacted and
// cross-site writes refused (basic auth is replayed by browsers, so without the
// origin check any page could pause or delete queues through an admin's browser).
func (s *Server) monitoring() http.Handler {
	mon := asynqmon.New(asynqmon.Options{
		RootPath:         MonitoringPath,
		RedisConnOpt:     s.deps.Redis,
		ReadOnly:         s.cfg.MonitoringReadOnly,
		PayloadFormatter: asynqmon.PayloadFormatterFunc(func(_ string, b []byte) string { return RedactPayload(b) }),
		ResultFormatter:  asynqmon.ResultFormatterFunc(func(_ string, b []byte) string { return RedactPayload(b) }),
	})
	s.closers = append(s.closers, mon)
	return s.adminAuth(sameOriginWrites(withNonces(mon)))
}

func sameOriginWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
			writeError(w, http.StatusForbidden, "forbidden: cross-site request")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser form or fetch (curl, scripts): nothing to forge
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

const redacted = "[redacted]"

// RedactPayload renders a task payload or result for display with every
// secret-looking value replaced: keys naming secrets, private keys, seeds, mnemonics,
// passwords or tokens, base58 strings of 64 bytes (keypairs), JWTs, and 64-number
// arrays (keypair files). Public keys and addresses stay visible. A payload that is
// not JSON is not shown at all.
func RedactPayload(b []byte) string {
	v := redactJSON(b)
	if v == nil && !bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return fmt.Sprintf("[non-JSON payload hidden: %d bytes]", len(b))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "[payload hidden]"
	}
	return string(out)
}

// redactJSON parses b and returns it with secret-looking values replaced; nil when b
// is not JSON.
func redactJSON(b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil
	}
	return redactValue(v)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if sensitiveKey(k) {
				t[k] = redacted
			} else {
				t[k] = redactValue(val)
			}
		}
		return t
	case []any:
		if looksLikeKeypairArray(t) {
			return redacted
		}
		for i := range t {
			t[i] = redactValue(t[i])
		}
		return t
	case string:
		if sensitiveValue(t) {
			return redacted
		}
	}
	return v
}

var secretWords = []string{"secret", "private", "seed", "mnemonic", "password", "passwd", "passphrase",
	"credential", "apikey", "keypair", "authorization", "jwt", "bearer", "cookie", "session"}

// sensitiveKey: secret-naming keys, and any other "...key"/"...token" that is not a
// public key, are hidden; an unknown key ending so is treated as secret to be safe.
func sensitiveKey(k string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(k))
	if strings.HasSuffix(n, "publickey") || strings.HasSuffix(n, "pubkey") {
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	switch {
	case n == "key", n == "token", n == "auth", n == "pass", n == "pk", n == "sk":
		return true
	case strings.HasSuffix(n, "key") && !strings.HasSuffix(n, "keyword"):
		return true
	case strings.HasSuffix(n, "token") && n != "token":
		return true
	}
	return false
}

var jwtShape = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// sensitiveValue spots secrets under innocent keys: a base58 keypair (64 bytes) or a JWT.
func sensitiveValue(s string) bool {
	if len(s) >= 80 && len(s) <= 100 {
		if b, err := base58.Decode(s); err == nil && len(b) == 64 {
			return isKeypair(b)
		}
	}
	return len(s) > 20 && jwtShape.MatchString(s)
}

// isKeypair tells a Solana secret key (seed || its ed25519 public key) from the other
// 64-byte values in payloads and results: transaction signatures, which must stay
// visible (the external contract serves them with the job's result).
func isKeypair(b []byte) bool {
	pub := ed25519.NewKeyFromSeed(b[:32]).Public().(ed25519.PublicKey)
	return bytes.Equal(pub, b[32:])
}

// looksLikeKeypairArray spots a Solana keypair file's [n0, ..., n63] of bytes.
func looksLikeKeypairArray(a []any) bool {
	if len(a) != 64 {
		return false
	}
	for _, e := range a {
		n, ok := e.(json.Number)
		if !ok {
			return false
		}
		if i, err := n.Int64(); err != nil || i < 0 || i > 255 {
			return false
		}
	}
	return true
}
