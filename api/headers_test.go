package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Every response refuses sniffing, Referer and framing; asynqmon's page gets a
// policy whose nonce is on each of its scripts and on nothing else.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, harnessOpts{mount: map[string]http.Handler{
		"/page": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<!doctype html><p>hi")) }),
	}})
	for _, c := range []struct {
		path, auth string
		status     int
	}{
		{"/health", "none", http.StatusOK},
		{"/api/jobs/x", "none", http.StatusUnauthorized},
		{"/monitoring/", "none", http.StatusUnauthorized},
		{"/monitoring/", "basic", http.StatusOK},
		{"/monitoring/api/queues", "basic", http.StatusOK},
		{"/page", "none", http.StatusOK},
		{"/nope", "none", http.StatusNotFound},
	} {
		r := h.call("GET", c.path, c.auth, nil)
		if r.status != c.status {
			t.Fatalf("%s: status %d, want %d", c.path, r.status, c.status)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", c.path, k, got, want)
			}
		}
		if strings.HasPrefix(r.header.Get("Content-Type"), "text/html") && !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: HTML without frame-ancestors 'none': %q", c.path, r.header.Get("Content-Security-Policy"))
		}
	}
	page := h.call("GET", "/monitoring/", "basic", nil)
	csp := page.header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/=]{24})'`).FindStringSubmatch(csp)
	if m == nil || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Fatalf("monitoring CSP %q", csp)
	}
	scripts := strings.Count(string(page.body), "<script")
	if scripts < 3 || strings.Count(string(page.body), `<script nonce="`+m[1]+`"`) != scripts {
		t.Fatalf("not every script has the nonce: %s", page.body)
	}
	if again := h.call("GET", "/monitoring/", "basic", nil); strings.Contains(again.header.Get("Content-Security-Policy"), m[1]) {
		t.Fatal("a nonce was served twice")
	}
}
