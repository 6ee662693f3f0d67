package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/workers"
)

// registerJobTypes registers the seven job types with their dependencies.
func (a *app) registerJobTypes(mux *asynq.ServeMux, rt *workers.Runtime) {
	d := workers.Deps{Store: a.store, Chain: a.chain.client, Log: a.log.With().Str("component", "workers").Logger()}
	if a.chain.cluster != nil {
		b, err := a.builtinMetadata()
		if err != nil {
			a.log.Error().Err(err).Msg("built-in metadata store unavailable: metadata uploads will fail")
		}
		d.Uploader = b
	} else {
		web := metadata.PublicHTTPClient(30 * time.Second)
		d.Uploaders = map[progress.Platform]metadata.Uploader{
			progress.PlatformPump: &metadata.PumpIPFS{HTTP: web},
			progress.PlatformBonk: &metadata.LetsBonk{HTTP: web},
		}
	}
	if a.cfg.JitoURL != "" {
		d.Jito = &jito.Client{URL: a.cfg.JitoURL}
	}
	if err := workers.Register(mux, rt, d); err != nil {
		a.log.Error().Err(err).Msg("register job types")
	}
}

// builtins holds each app's built-in metadata store: newAPI mounts its handler and
// registerJobTypes uploads into it, so both must see the same one.
var builtins sync.Map // *app -> *metadata.Builtin

// builtinMetadata is the content-addressed store served at /metadata/ on the
// runtime's own port (with the built-in cluster only), kept under DATA_DIR/metadata.
func (a *app) builtinMetadata() (*metadata.Builtin, error) {
	if b, ok := builtins.Load(a); ok {
		return b.(*metadata.Builtin), nil
	}
	host := a.cfg.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	port := a.cfg.Port
	if a.listener != nil {
		port = a.listener.Addr().(*net.TCPAddr).Port
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	b, err := metadata.NewBuiltin(base, filepath.Join(a.cfg.DataDir, "metadata"), metadata.PublicHTTPClient(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("metadata store at %s: %w", base, err)
	}
	actual, _ := builtins.LoadOrStore(a, b)
	return actual.(*metadata.Builtin), nil
}

// metadataHandler serves the built-in metadata store (404 on a real network).
func (a *app) metadataHandler() http.Handler {
	if a.chain == nil || a.chain.cluster == nil {
		return http.NotFoundHandler()
	}
	b, err := a.builtinMetadata()
	if err != nil {
		return http.NotFoundHandler()
	}
	return b.Handler()
}
