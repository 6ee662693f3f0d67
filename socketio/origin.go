package socketio

import (
	"net/http"
	"net/url"
	"strings"
)

// allowSameOrigin lets a page this server serves itself (the dashboard at "/")
// open a websocket: the library checks the Origin of a websocket upgrade against
// CORSOrigins alone, which name the apps, not the server's own address. A request
// whose Origin is the very scheme and host it was sent to reaches the library
// without the header, as a non-browser client's would. A cross-site page cannot
// pass for this origin, and a page of another name that resolves here still needs a
// token to connect, which it cannot read from this origin's storage.
func allowSameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && sameOrigin(o, r) {
			r.Header.Del("Origin")
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether origin is exactly scheme://host of r. Behind a proxy
// that ends TLS the schemes differ and CORSOrigins decide, as before.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil || u.RawQuery != "" {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return u.Scheme == scheme && strings.EqualFold(u.Host, r.Host)
}
