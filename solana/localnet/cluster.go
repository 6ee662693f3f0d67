package localnet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
)

// genesisHooks install extra programs and accounts at genesis, in order. The
// launchpad models (pump, LaunchLab, Metaplex) plug in from their own files:
// genesis_programs_hook.go has
//
//	func init() { genesisHooks = append(genesisHooks, installLaunchpads) }
//
// (installLaunchpads is in genesis_programs.go), so this file does not depend on
// theirs at compile time.
var genesisHooks []func(*Bank) error

// Config configures a Cluster. The zero value is valid.
type Config struct {
	// SlotInterval is how often a slot (one block) is produced (default 400 ms).
	// A negative value disables the ticker: slots advance only via Bank().Advance.
	SlotInterval time.Duration
	// Bank tunes fees and blockhash validity.
	Bank BankConfig
	// FaucetLamports funds the faucet that requestAirdrop draws on (default 500M SOL).
	FaucetLamports uint64
	// LedgerDir, when set, keeps the ledger across restarts: New restores the
	// snapshot found there, and the cluster saves one every SnapshotInterval
	// (default 5s) while transactions are committed, and on Close. A kill loses at
	// most the last interval.
	LedgerDir        string
	SnapshotInterval time.Duration
	// OnLedgerError is told when a snapshot cannot be saved (the cluster goes on).
	OnLedgerError func(error)
}

// Cluster is the built-in Solana cluster: a bank, its slot ticker, the JSON-RPC
// and PubSub handlers, the bundle endpoint and the fault knobs.
type Cluster struct {
	cfg    Config
	bank   *Bank
	faults *Faults
	faucet solana.PrivateKey
	pubsub *pubsub
	rpc    *rpcHandler
	bundle *bundleStore

	restored bool

	stop     chan struct{}
	wg       sync.WaitGroup
	closeMu  sync.Mutex
	closed   bool
	timersMu sync.Mutex
	timers   map[*time.Timer]struct{}
}

// New builds a cluster at genesis (native programs, the launchpad models from
// genesisHooks, a funded faucet) and starts its slot ticker.
func New(cfg Config) (*Cluster, error) {
	if cfg.SlotInterval == 0 {
		cfg.SlotInterval = DefaultSlotInterval
	}
	cfg.FaucetLamports = cmp.Or(cfg.FaucetLamports, 500_000_000*1_000_000_000)
	faucet, err := solana.NewRandomPrivateKey()
	if err != nil {
		return nil, fmt.Errorf("localnet: faucet key: %w", err)
	}
	c := &Cluster{cfg: cfg, bank: NewBank(cfg.Bank), faults: &Faults{}, faucet: faucet,
		stop: make(chan struct{}), timers: map[*time.Timer]struct{}{}}
	c.bank.validity = c.faults.validity
	for i, hook := range genesisHooks {
		if err := hook(c.bank); err != nil {
			return nil, fmt.Errorf("localnet: genesis hook %d: %w", i, err)
		}
	}
	if cfg.LedgerDir != "" {
		cfg.SnapshotInterval = cmp.Or(cfg.SnapshotInterval, 5*time.Second)
		c.cfg = cfg
		restored, err := c.loadLedger()
		if err != nil {
			return nil, err
		}
		c.restored = restored
	}
	c.bank.Airdrop(faucet.PublicKey(), cfg.FaucetLamports)
	c.pubsub = newPubsub(c)
	c.bank.AddObserver(c.pubsub)
	c.rpc = &rpcHandler{c: c, methods: rpcMethods()}
	c.bundle = newBundleStore()
	if cfg.SlotInterval > 0 {
		c.wg.Add(1)
		go c.tick(cfg.SlotInterval)
	}
	if cfg.LedgerDir != "" {
		c.wg.Add(1)
		go c.keepLedger(c.bank.commits())
	}
	return c, nil
}

// Restored reports whether New found a ledger snapshot and continued from it.
func (c *Cluster) Restored() bool { return c.restored }

func (c *Cluster) tick(every time.Duration) {
	defer c.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.bank.Advance(1)
		}
	}
}

// Bank returns the cluster's bank (state, manual slot advance).
func (c *Cluster) Bank() *Bank { return c.bank }

// Faults returns the cluster's fault knobs.
func (c *Cluster) Faults() *Faults { return c.faults }

// Handler serves Solana JSON-RPC over HTTP POST on any path, plus the Jito-style
// bundle API on any path ending in /api/v1/bundles, so a block-engine client
// pointed at wherever the handler is mounted (e.g. .../localnet/rpc) works.
func (c *Cluster) Handler() http.Handler {
	bundles := c.bundleHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(strings.TrimRight(r.URL.Path, "/"), "/api/v1/bundles") {
			bundles.ServeHTTP(w, r)
			return
		}
		c.rpc.ServeHTTP(w, r)
	})
}

// WSHandler serves the PubSub WebSocket (signature, account and slot subscriptions).
func (c *Cluster) WSHandler() http.Handler { return c.pubsub }

// Airdrop sends lamports from the faucet to key in a real transaction and
// returns its signature (it is executed before Airdrop returns).
func (c *Cluster) Airdrop(key solana.PublicKey, lamports uint64) (solana.Signature, error) {
	bh, _ := c.bank.LatestBlockhash()
	tx, err := solana.NewTransaction([]solana.Instruction{transferInstruction(c.faucet.PublicKey(), key, lamports)},
		bh, solana.TransactionPayer(c.faucet.PublicKey()))
	if err != nil {
		return solana.Signature{}, fmt.Errorf("airdrop: %w", err)
	}
	if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &c.faucet }); err != nil {
		return solana.Signature{}, fmt.Errorf("airdrop: sign: %w", err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return solana.Signature{}, fmt.Errorf("airdrop: %w", err)
	}
	rec, err := c.bank.ProcessTransaction(raw)
	if err != nil {
		return solana.Signature{}, fmt.Errorf("airdrop: %w", err)
	}
	if rec.Err != nil {
		return solana.Signature{}, fmt.Errorf("airdrop: %w", rec.Err)
	}
	return rec.Signature, nil
}

func transferInstruction(from, to solana.PublicKey, lamports uint64) solana.Instruction {
	data := []byte{2, 0, 0, 0}
	data = append(data, le64Bytes(lamports)...)
	return solana.NewInstruction(solana.SystemProgramID, solana.AccountMetaSlice{
		{PublicKey: from, IsWritable: true, IsSigner: true}, {PublicKey: to, IsWritable: true}}, data)
}

func le64Bytes(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// after runs fn once d has passed unless the cluster is closed first.
func (c *Cluster) after(d time.Duration, fn func()) {
	c.timersMu.Lock()
	defer c.timersMu.Unlock()
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		c.timersMu.Lock()
		delete(c.timers, t)
		c.timersMu.Unlock()
		fn()
	})
	c.timers[t] = struct{}{}
}

// Close stops the ticker, pending delayed transactions and WebSocket sessions.
func (c *Cluster) Close() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	close(c.stop)
	c.timersMu.Lock()
	for t := range c.timers {
		t.Stop()
	}
	c.timersMu.Unlock()
	c.pubsub.close()
	c.wg.Wait()
	return nil
}

// ListenAndServe serves JSON-RPC on host:port and PubSub on host:port+1, as
// solana-test-validator does, until ctx ends.
func (c *Cluster) ListenAndServe(ctx context.Context, host string, port int) error {
	rpcLn, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("localnet: listen rpc: %w", err)
	}
	wsLn, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+1)))
	if err != nil {
		rpcLn.Close()
		return fmt.Errorf("localnet: listen pubsub: %w", err)
	}
	return c.Serve(ctx, rpcLn, wsLn)
}

// Serve is ListenAndServe on listeners the caller opened.
func (c *Cluster) Serve(ctx context.Context, rpcLn, wsLn net.Listener) error {
	rpcSrv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 10 * time.Second}
	wsSrv := &http.Server{Handler: c.WSHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- rpcSrv.Serve(rpcLn) }()
	go func() { errc <- wsSrv.Serve(wsLn) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.pubsub.close()
	_ = rpcSrv.Shutdown(shutdownCtx)
	_ = wsSrv.Shutdown(shutdownCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
