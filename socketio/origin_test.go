package socketio

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://127.0.0.1:3001/socket.io/", nil)
	secure := httptest.NewRequest("GET", "https://nitro.example/socket.io/", nil)
	secure.TLS = &tls.ConnectionState{}
	for _, c := range []struct {
		origin string
		req    bool // true: plain, false: secure
		want   bool
	}{
		{"http://127.0.0.1:3001", true, true},
		{"http://127.0.0.1:3000", true, false},
		{"https://127.0.0.1:3001", true, false},
		{"http://evil.example", true, false},
		{"http://user@127.0.0.1:3001", true, false},
		{"http://127.0.0.1:3001/x", true, false},
		{"null", true, false},
		{"https://nitro.example", false, true},
		{"http://nitro.example", false, false},
	} {
		r := secure
		if c.req {
			r = plain
		}
		if got := sameOrigin(c.origin, r); got != c.want {
			t.Errorf("sameOrigin(%q, %s) = %v, want %v", c.origin, r.Host, got, c.want)
		}
	}
}
