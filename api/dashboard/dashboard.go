// Package dashboard serves the live dashboard at "/": one HTML page, its script and
// styles, and the socket.io browser client, all embedded in the binary (nothing is
// fetched at run time). The page signs in with the same token as the Socket.IO
// handshake and watches jobs over Socket.IO; the data comes from the API. In
// development with the built-in cluster it also offers a demo sign-in and a "try a
// launch" action (Demo); elsewhere those endpoints answer 404.
package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/nitro-runtime/nitro/auth"
)

//go:embed static
var static embed.FS

// Demo is what the development-only endpoints do. It must exist only with
// NITRO_ENV=development and the built-in cluster: a demo token is a token for
// anyone who asks.
type Demo interface {
	// Token signs a token for the demo user and returns it with the user id.
	Token() (token, userID string, err error)
	// TryLaunch makes and funds wallets for userID on the built-in cluster and
	// enqueues a launch_token with them; it returns the job id.
	TryLaunch(ctx context.Context, userID string) (jobID string, err error)
}

// Config is what the page needs to know. The zero value serves the page without
// the demo.
type Config struct {
	// LocalChain says the built-in cluster is in use: the page says that no real
	// chain is involved.
	LocalChain bool
	// Demo enables the demo sign-in and "try a launch"; nil disables them.
	Demo Demo
	// Verifier checks the token of a "try a launch" request; required with Demo.
	Verifier *auth.Verifier
}

// Patterns are the ServeMux patterns to mount the handler on.
var Patterns = []string{"GET /{$}", "/dashboard/"}

// New returns the dashboard's handler, to be mounted on Patterns.
func New(cfg Config) (http.Handler, error) {
	if cfg.Demo != nil && cfg.Verifier == nil {
		return nil, errors.New("dashboard: Config.Verifier required with Config.Demo")
	}
	files, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg, files: files}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.Handle("GET /dashboard/", http.StripPrefix("/dashboard/", h.assets()))
	mux.HandleFunc("GET /dashboard/config", h.config)
	mux.HandleFunc("POST /dashboard/demo/token", h.demoToken)
	mux.HandleFunc("POST /dashboard/demo/launch", h.demoLaunch)
	return mux, nil
}

type handler struct {
	cfg      Config
	files    fs.FS
	launches sync.Mutex // one demo launch being set up at a time
}

// index serves the page. Its scripts and styles are files of this origin only (no
// inline script or style), so the API's default Content-Security-Policy for HTML
// holds; the page is not cached so that a new binary's page is seen at once.
func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(h.files, "index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "dashboard page missing")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

func (h *handler) assets() http.Handler {
	fsrv := http.FileServerFS(h.files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "index.html" {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		fsrv.ServeHTTP(w, r)
	})
}

// configReply tells the page what this process offers.
type configReply struct {
	LocalChain bool `json:"localChain"`
	Demo       bool `json:"demo"`
}

func (h *handler) config(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, configReply{LocalChain: h.cfg.LocalChain, Demo: h.cfg.Demo != nil})
}

const demoOff = "the demo is available only with NITRO_ENV=development and the built-in cluster"

func (h *handler) demoToken(w http.ResponseWriter, _ *http.Request) {
	if h.cfg.Demo == nil {
		writeError(w, http.StatusNotFound, demoOff)
		return
	}
	tok, user, err := h.cfg.Demo.Token()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "sign the demo token: "+err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"token": tok, "userId": user})
}

// demoLaunch runs Demo.TryLaunch for the token's user (any valid token: it is the
// built-in cluster's play money).
func (h *handler) demoLaunch(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Demo == nil {
		writeError(w, http.StatusNotFound, demoOff)
		return
	}
	authz := r.Header.Get("Authorization")
	if len(authz) < 8 || !strings.EqualFold(authz[:7], "bearer ") {
		writeError(w, http.StatusUnauthorized, "unauthorized: missing token")
		return
	}
	p, err := h.cfg.Verifier.Verify(strings.TrimSpace(authz[7:]))
	if err != nil || p.UserID == "" {
		writeError(w, http.StatusUnauthorized, "unauthorized: invalid token")
		return
	}
	if !h.launches.TryLock() {
		writeError(w, http.StatusTooManyRequests, "a demo launch is being set up; try again in a moment")
		return
	}
	defer h.launches.Unlock()
	id, err := h.cfg.Demo.TryLaunch(r.Context(), p.UserID)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "demo launch: "+err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"jobId": id})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
