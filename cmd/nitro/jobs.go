package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/workers"
)

// registerJobTypes registers the eight job types with their dependencies.
func (a *app) registerJobTypes(mux *asynq.ServeMux, rt *workers.Runtime) error {
	d := workers.Deps{Store: a.store, Chain: a.chain.client, Log: a.log.With().Str("component", "workers").Logger(),
		// The automatic sweep after a failed launch goes in the way every job does.
		Enqueue: func(ctx context.Context, r jobs.Request) (jobs.Enqueued, error) {
			return jobs.Enqueue(ctx, a.client, a.store, r, jobs.Options{})
		},
		Config: workers.Config{PlatformFeeWallet: a.cfg.PlatformFeeWallet, PlatformFeeLamports: a.cfg.PlatformFeeLamports,
			MaxPriorityFee: a.cfg.Chain.MaxPriorityFee, JitoTipLamports: a.cfg.Chain.JitoTipLamports,
			MixerJitterMax: a.cfg.MixerJitterMax}}
	if a.meta != nil {
		d.Uploader = a.meta
	} else {
		web := metadata.PublicHTTPClient(30 * time.Second)
		d.Uploaders = map[progress.Platform]metadata.Uploader{
			progress.PlatformPump: &metadata.PumpIPFS{HTTP: web},
			progress.PlatformBonk: &metadata.LetsBonk{HTTP: web},
		}
	}
	if a.cfg.JitoURL != "" {
		d.Jito = &jito.Client{URL: a.cfg.JitoURL, UUID: a.cfg.Chain.JitoUUID}
	}
	if err := workers.Register(mux, rt, d); err != nil {
		return fmt.Errorf("register job types: %w", err)
	}
	return nil
}

// newBuiltinMetadata is the content-addressed store served at /metadata/ on the
// runtime's own port (with the built-in cluster only), kept under DATA_DIR/metadata.
func (a *app) newBuiltinMetadata() (*metadata.Builtin, error) {
	host := a.cfg.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	port := a.listener.Addr().(*net.TCPAddr).Port
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	b, err := metadata.NewBuiltin(base, filepath.Join(a.cfg.DataDir, "metadata"), metadata.PublicHTTPClient(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("metadata store at %s: %w", base, err)
	}
	return b, nil
}

// metadataHandler serves the built-in metadata store (404 on a real network).
func (a *app) metadataHandler() http.Handler {
	if a.meta == nil {
		return http.NotFoundHandler()
	}
	return a.meta.Handler()
}
