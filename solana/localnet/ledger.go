package localnet

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gagliardetto/solana-go"
)

// A ledger snapshot keeps the bank across restarts, as a validator keeps its
// ledger directory: the accounts (wallets, mints, curves, tables), the slot, block
// height and recent blockhashes (so a transaction signed before a restart still
// lands, or provably expires), and the most recent transaction records (so a
// journaled signature still settles and history reads still answer). Programs are
// code and are registered anew; the faucet is made anew.

// ledgerVersion changes whenever ledgerFile does; an older file is refused with a
// message that says to start with a fresh ledger.
const ledgerVersion = 1

// LedgerFileName is the snapshot's name inside Config.LedgerDir.
const LedgerFileName = "ledger.gob"

// snapshotRecords bounds the transaction records a snapshot keeps (the newest).
const snapshotRecords = 20_000

type ledgerFile struct {
	Version     int
	Slot        uint64
	Height      uint64
	Latest      solana.Hash
	GenesisHash solana.Hash
	HashRing    []solana.Hash
	Hashes      map[solana.Hash]uint64
	SlotTimes   map[uint64]int64
	Accounts    map[solana.PublicKey]Account
	Records     []ledgerRecord
}

// ledgerRecord is a TxRecord with its error in a form gob can keep.
type ledgerRecord struct {
	TxRecord
	ErrKind       string
	ErrIndex      int
	ErrCustom     *uint32
	ErrCustomName string
	ErrBuiltin    string
}

func toLedgerRecord(r *TxRecord) ledgerRecord {
	lr := ledgerRecord{TxRecord: *r}
	lr.Err, lr.simState = nil, nil
	if r.Err != nil {
		lr.ErrKind, lr.ErrIndex = r.Err.Kind, r.Err.Index
		var pe *ProgramError
		var be BuiltinError
		switch {
		case errors.As(r.Err.Inner, &pe):
			lr.ErrCustom, lr.ErrCustomName = &pe.Code, pe.Name
		case errors.As(r.Err.Inner, &be):
			lr.ErrBuiltin = string(be)
		}
	}
	return lr
}

func (lr ledgerRecord) record() *TxRecord {
	r := lr.TxRecord
	if lr.ErrKind != "" {
		r.Err = &TxError{Kind: lr.ErrKind, Index: lr.ErrIndex}
		switch {
		case lr.ErrCustom != nil:
			r.Err.Inner = &ProgramError{Code: *lr.ErrCustom, Name: lr.ErrCustomName}
		case lr.ErrBuiltin != "":
			r.Err.Inner = BuiltinError(lr.ErrBuiltin)
		}
	}
	return &r
}

// WriteSnapshot writes the bank's state (see the ledger comment above) to w.
func (b *Bank) WriteSnapshot(w io.Writer) error {
	b.mu.RLock()
	f := ledgerFile{Version: ledgerVersion, Slot: b.slot, Height: b.height, Latest: b.latest, GenesisHash: b.genesisHash,
		HashRing: append([]solana.Hash(nil), b.hashRing...), Hashes: make(map[solana.Hash]uint64, len(b.hashes)),
		SlotTimes: make(map[uint64]int64, len(b.slotTimes)), Accounts: make(map[solana.PublicKey]Account, len(b.accounts))}
	for k, v := range b.hashes {
		f.Hashes[k] = v
	}
	for k, v := range b.slotTimes {
		f.SlotTimes[k] = v
	}
	for k, a := range b.accounts {
		if _, isProgram := b.programs[k]; !isProgram {
			f.Accounts[k] = *cloneAccount(a)
		}
	}
	order := b.statusOrder[max(0, len(b.statusOrder)-snapshotRecords):]
	for _, sig := range order {
		if rec := b.statuses[sig]; rec != nil {
			f.Records = append(f.Records, toLedgerRecord(rec))
		}
	}
	b.mu.RUnlock()
	bw := bufio.NewWriter(w)
	if err := gob.NewEncoder(bw).Encode(&f); err != nil {
		return fmt.Errorf("localnet: write snapshot: %w", err)
	}
	return bw.Flush()
}

// ReadSnapshot replaces the bank's state with a snapshot's. Registered programs
// stay; accounts that the snapshot does not hold are dropped.
func (b *Bank) ReadSnapshot(r io.Reader) error {
	var f ledgerFile
	if err := gob.NewDecoder(bufio.NewReader(r)).Decode(&f); err != nil {
		return fmt.Errorf("localnet: read snapshot: %w", err)
	}
	if f.Version != ledgerVersion {
		return fmt.Errorf("localnet: snapshot version %d, this build reads %d", f.Version, ledgerVersion)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.accounts {
		if _, isProgram := b.programs[k]; !isProgram {
			delete(b.accounts, k)
		}
	}
	for k, a := range f.Accounts {
		b.accounts[k] = cloneAccount(&a)
	}
	b.slot, b.height, b.latest, b.genesisHash = f.Slot, f.Height, f.Latest, f.GenesisHash
	b.hashRing, b.hashes, b.slotTimes = f.HashRing, f.Hashes, f.SlotTimes
	b.statuses, b.statusOrder = map[solana.Signature]*TxRecord{}, nil
	b.bySigner = map[solana.PublicKey][]solana.Signature{}
	for _, lr := range f.Records {
		b.recordLocked(lr.record())
	}
	return nil
}

// saveLedger writes the snapshot into dir atomically (a temporary file renamed), so
// a crash while saving leaves the previous snapshot whole.
func (c *Cluster) saveLedger() error {
	dir := c.cfg.LedgerDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("localnet: ledger dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, LedgerFileName+".*")
	if err != nil {
		return fmt.Errorf("localnet: ledger: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := c.bank.WriteSnapshot(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("localnet: ledger: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("localnet: ledger: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, LedgerFileName))
}

// loadLedger restores the snapshot in dir, if there is one.
func (c *Cluster) loadLedger() (bool, error) {
	f, err := os.Open(filepath.Join(c.cfg.LedgerDir, LedgerFileName))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("localnet: ledger: %w", err)
	}
	defer f.Close()
	if err := c.bank.ReadSnapshot(f); err != nil {
		return false, fmt.Errorf("%w (start with a fresh ledger: --reset, or remove %s)", err, f.Name())
	}
	return true, nil
}

// keepLedger saves the snapshot every SnapshotInterval while transactions are
// committed, and once more when the cluster closes.
// saved is the commit count the snapshot on disk holds (taken before the goroutine
// starts: a transaction committed before its first line must still be saved).
func (c *Cluster) keepLedger(saved uint64) {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.SnapshotInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			if err := c.saveLedger(); err != nil && c.cfg.OnLedgerError != nil {
				c.cfg.OnLedgerError(err)
			}
			return
		case <-t.C:
			if n := c.bank.commits(); n != saved {
				if err := c.saveLedger(); err != nil {
					if c.cfg.OnLedgerError != nil {
						c.cfg.OnLedgerError(err)
					}
					continue
				}
				saved = n
			}
		}
	}
}
