package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// defaultCSP is the policy of an HTML page that sets none of its own: only this
// origin's resources, no plugins, and never inside another site's frame.
const defaultCSP = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets what every response carries: no MIME sniffing (a JSON error
// that echoes a field must not run as HTML), no Referer (URLs carry job ids and, for
// Socket.IO polling, tokens), and no framing (clickjacking of /monitoring/'s buttons
// through an admin's browser). An HTML response without a policy of its own gets
// defaultCSP.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(&cspWriter{responseWriter: responseWriter{ResponseWriter: w}}, r)
	})
}

// cspWriter adds defaultCSP to an HTML response that has no policy when its header
// is written. It embeds responseWriter for Flush, Hijack and Unwrap.
type cspWriter struct {
	responseWriter
	done bool
}

func (w *cspWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		h := w.Header()
		if h.Get("Content-Security-Policy") == "" && strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			h.Set("Content-Security-Policy", defaultCSP)
		}
	}
	w.responseWriter.WriteHeader(code)
}

func (w *cspWriter) Write(b []byte) (int, error) {
	if !w.done {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b)) // as net/http would
		}
		w.WriteHeader(http.StatusOK)
	}
	return w.responseWriter.Write(b)
}

// monitoringCSP is asynqmon's policy: its scripts only by nonce (its page has two
// inline scripts, one with per-deployment values), its API on this origin, Google's
// fonts that its page links, and inline styles, which its UI library injects at run
// time (a style cannot run code).
func monitoringCSP(nonce string) string {
	return "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; " +
		"style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; " +
		"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// withNonces serves asynqmon's HTML with a fresh nonce on each of its script tags and
// the policy that allows exactly those; other responses pass through untouched.
func withNonces(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &htmlRecorder{w: w}
		next.ServeHTTP(rec, r)
		if rec.buf == nil {
			return
		}
		b := make([]byte, 18)
		_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
		nonce := base64.StdEncoding.EncodeToString(b)
		page := bytes.ReplaceAll(rec.buf.Bytes(), []byte("<script"), []byte(`<script nonce="`+nonce+`"`))
		w.Header().Set("Content-Security-Policy", monitoringCSP(nonce))
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Header().Set("Cache-Control", "no-store") // a cached page would reuse a nonce
		w.WriteHeader(rec.status)
		_, _ = w.Write(page)
	})
}

// htmlRecorder buffers an HTML response (asynqmon's index page, a few KB) and passes
// any other straight through.
type htmlRecorder struct {
	w      http.ResponseWriter
	buf    *bytes.Buffer
	status int
	wrote  bool
}

func (h *htmlRecorder) Header() http.Header { return h.w.Header() }

func (h *htmlRecorder) WriteHeader(code int) {
	if h.wrote {
		return
	}
	h.wrote = true
	if strings.HasPrefix(h.w.Header().Get("Content-Type"), "text/html") {
		h.buf, h.status = &bytes.Buffer{}, code
		h.w.Header().Del("Content-Length")
		return
	}
	h.w.WriteHeader(code)
}

func (h *htmlRecorder) Write(b []byte) (int, error) {
	if !h.wrote {
		if h.w.Header().Get("Content-Type") == "" {
			h.w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		h.WriteHeader(http.StatusOK)
	}
	if h.buf != nil {
		return h.buf.Write(b)
	}
	return h.w.Write(b)
}
