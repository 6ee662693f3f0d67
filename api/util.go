package api

import (
	"net/http"
	"unicode/utf8"
)

// safeID reports whether s is 1..max characters of A-Z a-z 0-9 - _ . : (job ids,
// idempotency keys): nothing that needs escaping in a URL, a log or a Redis key.
func safeID(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// clip bounds text from a request before it is echoed in an error.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}

// unavailable logs a dependency failure and answers 503 without its details.
func (s *Server) unavailable(w http.ResponseWriter, what string, err error) {
	s.log.Error().Err(err).Str("op", what).Msg("dependency failed")
	retryAfter(w, 5)
	writeError(w, http.StatusServiceUnavailable, "service unavailable: "+what+" failed; retry later")
}

// internal logs a bug and answers 500.
func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error().Err(err).Str("op", what).Msg("internal error")
	writeError(w, http.StatusInternalServerError, "internal error")
}
