package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nitro-runtime/nitro/internal/strictjson"
)

// errorBody is every error response: {error, fields?}; a 429 of a route limit also
// names the limit ("enqueue_per_user", ...) so a client can tell whose budget ran out.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
	Limit  string            `json:"limit,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeFields(w http.ResponseWriter, msg string, fields map[string]string) {
	writeJSON(w, http.StatusBadRequest, errorBody{Error: msg, Fields: fields})
}

// writeStrictError answers a body strictjson refused: 400 naming each bad field, or
// 400 with shape (what the body must look like) when it is not a JSON object at all.
// Field names come from the request, clipped by strictjson; values are never echoed.
func writeStrictError(w http.ResponseWriter, msg, shape string, err error) {
	var se *strictjson.Error
	if !errors.As(err, &se) {
		writeError(w, http.StatusBadRequest, "invalid JSON: "+shape)
		return
	}
	fields := make(map[string]string, len(se.Fields))
	for _, f := range se.Fields {
		fields[f.Field] = f.Problem
	}
	writeFields(w, msg+": "+clip(se.Error()), fields)
}

// jsonMuxErrors turns the ServeMux's own plain-text 404 and 405 into JSON errors
// (keeping the Allow header), so every error the API writes has one shape.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		status := rec.status
		if status < 400 {
			status = http.StatusNotFound // a redirect to a cleaned path: keep to one shape
			if loc := rec.header.Get("Location"); loc != "" {
				http.Redirect(w, r, loc, rec.status)
				return
			}
		}
		writeError(w, status, strings.ToLower(http.StatusText(status)))
	})
}

// apiFallback answers /api/ paths no route took: 405 with Allow when the path exists
// for another method, else 404.
func apiFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, p := mux.Handler(r2); p != "" && p != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			writeError(w, http.StatusNotFound, "no such API route")
			return
		}
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use "+strings.Join(allow, " or "))
	})
}

// statusRecorder captures what the mux's fallback handlers write.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}
func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}

func retryAfter(w http.ResponseWriter, seconds int) {
	w.Header().Set("Retry-After", strconv.Itoa(max(seconds, 1)))
}
