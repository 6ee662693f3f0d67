package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/auth"
)

type fakeDemo struct{ launchedFor string }

func (f *fakeDemo) Token() (string, string, error) { return "tok", "demo", nil }
func (f *fakeDemo) TryLaunch(_ context.Context, user string) (string, error) {
	f.launchedFor = user
	if user == "broke" {
		return "", errors.New("no SOL")
	}
	return "job-1", nil
}

func serve(t *testing.T, h http.Handler, method, path, bearer string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	for _, p := range Patterns {
		mux.Handle(p, h)
	}
	mux.ServeHTTP(rec, req)
	return rec
}

func TestPageAndAssets(t *testing.T) {
	h, err := New(Config{LocalChain: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(t, h, "GET", "/", "")
	page := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// Under the API's policy (default-src 'self') only scripts and styles from files
	// of this origin run: no inline script, handler attribute or style attribute.
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`), regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`\sstyle=`), regexp.MustCompile(`<style`), regexp.MustCompile(`https?://`)} {
		if loc := bad.FindStringIndex(page); loc != nil {
			t.Errorf("the page has %q, which its Content-Security-Policy refuses or which leaves the origin", page[loc[0]:min(loc[1]+20, len(page))])
		}
	}
	for _, asset := range []string{"/dashboard/app.js", "/dashboard/app.css", "/dashboard/socket.io.min.js", "/dashboard/favicon.svg"} {
		if rec := serve(t, h, "GET", asset, ""); rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d", asset, rec.Code)
		}
	}
	if rec := serve(t, h, "GET", "/dashboard/socket.io.min.js", ""); !strings.Contains(rec.Body.String(), "Socket.IO v4.") {
		t.Error("the vendored client is not socket.io-client 4.x")
	}
	for _, p := range []string{"/dashboard/", "/dashboard/index.html", "/dashboard/nope.js"} {
		if rec := serve(t, h, "GET", p, ""); rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
	if rec := serve(t, h, "GET", "/dashboard/config", ""); rec.Body.String() != "{\"localChain\":true,\"demo\":false}\n" {
		t.Errorf("config = %s", rec.Body.String())
	}
}

func TestDemoOnlyWhenConfigured(t *testing.T) {
	off, _ := New(Config{})
	for _, p := range []string{"/dashboard/demo/token", "/dashboard/demo/launch"} {
		if rec := serve(t, off, "POST", p, ""); rec.Code != 404 || !strings.Contains(rec.Body.String(), "NITRO_ENV=development") {
			t.Errorf("POST %s without the demo = %d %s", p, rec.Code, rec.Body.String())
		}
	}
	if _, err := New(Config{Demo: &fakeDemo{}}); err == nil {
		t.Error("a demo without a verifier was accepted")
	}

	v, err := auth.NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDemo{}
	on, _ := New(Config{Demo: d, Verifier: v})
	if rec := serve(t, on, "POST", "/dashboard/demo/token", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"userId":"demo"`) {
		t.Errorf("demo token = %d %s", rec.Code, rec.Body.String())
	}
	if rec := serve(t, on, "GET", "/dashboard/demo/token", ""); rec.Code == http.StatusOK {
		t.Errorf("GET demo token = %d", rec.Code)
	}
	if rec := serve(t, on, "POST", "/dashboard/demo/launch", ""); rec.Code != 401 {
		t.Errorf("launch without a token = %d", rec.Code)
	}
	if rec := serve(t, on, "POST", "/dashboard/demo/launch", "not-a-token"); rec.Code != 401 {
		t.Errorf("launch with a bad token = %d", rec.Code)
	}
	tok, _ := v.Issue("zoe", false, time.Minute)
	if rec := serve(t, on, "POST", "/dashboard/demo/launch", tok); rec.Code != 202 || d.launchedFor != "zoe" || !strings.Contains(rec.Body.String(), "job-1") {
		t.Errorf("launch = %d %s for %q", rec.Code, rec.Body.String(), d.launchedFor)
	}
	broke, _ := v.Issue("broke", false, time.Minute)
	if rec := serve(t, on, "POST", "/dashboard/demo/launch", broke); rec.Code != 503 {
		t.Errorf("failed launch = %d", rec.Code)
	}
}
