package api

import (
	"net/http"
	"unicode/utf8"
)

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
