package localnet

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
)

// Defaults of BankConfig.
const (
	DefaultSlotInterval         = 400 * time.Millisecond
	DefaultBlockhashValidity    = 150
	DefaultLamportsPerSignature = 5000
	slotHashesWindow            = 512
	maxStatusHistory            = 100_000
)

// BankConfig tunes the bank. The zero value is valid.
type BankConfig struct {
	// LamportsPerSignature is the base fee per signature (default 5000).
	LamportsPerSignature uint64
	// BlockhashValidity is how many blocks a blockhash stays valid (default 150).
	BlockhashValidity uint64
	// GenesisTime is the unix time of slot 0 (default: now).
	GenesisTime time.Time
}

func (c BankConfig) withDefaults() BankConfig {
	c.LamportsPerSignature = cmp.Or(c.LamportsPerSignature, DefaultLamportsPerSignature)
	c.BlockhashValidity = cmp.Or(c.BlockhashValidity, DefaultBlockhashValidity)
	if c.GenesisTime.IsZero() {
		c.GenesisTime = time.Now()
	}
	return c
}

// Bank holds the ledger state: accounts, slots, blockhashes, the status cache and
// the registered programs. All methods are safe for concurrent use; transactions
// execute one at a time under the bank lock.
type Bank struct {
	cfg BankConfig

	mu          sync.RWMutex
	accounts    map[solana.PublicKey]*Account
	programs    map[solana.PublicKey]Program
	slot        uint64
	height      uint64
	latest      solana.Hash
	genesisHash solana.Hash
	hashes      map[solana.Hash]uint64 // blockhash -> block height it was produced at
	hashRing    []solana.Hash
	slotTimes   map[uint64]int64
	statuses    map[solana.Signature]*TxRecord
	statusOrder []solana.Signature
	bySigner    map[solana.PublicKey][]solana.Signature
	committed   uint64        // transactions recorded, for the ledger saver
	validity    func() uint64 // blockhash validity override (fault knob)

	obsMu     sync.Mutex
	observers []Observer
}

// Observer receives bank events (used by the PubSub server). Calls happen after
// the bank lock is released, in commit order, from the committing goroutine.
type Observer interface {
	SlotAdvanced(slot, parent uint64)
	TxCommitted(rec *TxRecord, changed []solana.PublicKey)
}

// NewBank returns a bank at slot 0 with the native programs registered.
func NewBank(cfg BankConfig) *Bank {
	b := &Bank{
		cfg:       cfg.withDefaults(),
		accounts:  map[solana.PublicKey]*Account{},
		programs:  map[solana.PublicKey]Program{},
		hashes:    map[solana.Hash]uint64{},
		slotTimes: map[uint64]int64{},
		statuses:  map[solana.Signature]*TxRecord{},
		bySigner:  map[solana.PublicKey][]solana.Signature{},
	}
	b.latest = solana.Hash(sha256.Sum256([]byte("nitro localnet genesis")))
	b.genesisHash = b.latest
	b.hashes[b.latest] = 0
	b.hashRing = append(b.hashRing, b.latest)
	b.slotTimes[0] = b.cfg.GenesisTime.Unix()
	registerNativePrograms(b)
	return b
}

// AddObserver subscribes o to slot and commit events.
func (b *Bank) AddObserver(o Observer) {
	b.obsMu.Lock()
	b.observers = append(b.observers, o)
	b.obsMu.Unlock()
}

func (b *Bank) observersSnapshot() []Observer {
	b.obsMu.Lock()
	defer b.obsMu.Unlock()
	return append([]Observer(nil), b.observers...)
}

// RegisterProgram installs p as an executable account at p.ID().
func (b *Bank) RegisterProgram(p Program) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.programs[p.ID()] = p
	b.accounts[p.ID()] = programAccount(p.ID())
}

// SetAccount stores a copy of acc at key (genesis and tests). A zero-lamport
// account is removed, as the runtime does.
func (b *Bank) SetAccount(key solana.PublicKey, acc Account) {
	b.mu.Lock()
	if acc.Lamports == 0 && !acc.Executable {
		delete(b.accounts, key)
	} else {
		b.accounts[key] = cloneAccount(&acc)
	}
	b.mu.Unlock()
	for _, o := range b.observersSnapshot() {
		o.TxCommitted(nil, []solana.PublicKey{key})
	}
}

// GetAccount returns a copy of the account at key.
func (b *Bank) GetAccount(key solana.PublicKey) (Account, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	a, ok := b.accounts[key]
	if !ok {
		return Account{}, false
	}
	return *cloneAccount(a), true
}

// Balance returns the lamports at key (0 if the account does not exist).
func (b *Bank) Balance(key solana.PublicKey) uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if a, ok := b.accounts[key]; ok {
		return a.Lamports
	}
	return 0
}

// Airdrop credits lamports to key out of thin air (a faucet) and returns the
// new balance.
func (b *Bank) Airdrop(key solana.PublicKey, lamports uint64) uint64 {
	b.mu.Lock()
	a, ok := b.accounts[key]
	if !ok {
		a = &Account{Owner: solana.SystemProgramID}
		b.accounts[key] = a
	}
	a.Lamports += lamports
	bal := a.Lamports
	b.mu.Unlock()
	for _, o := range b.observersSnapshot() {
		o.TxCommitted(nil, []solana.PublicKey{key})
	}
	return bal
}

// Slot returns the current slot.
func (b *Bank) Slot() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.slot
}

// BlockHeight returns the current block height.
func (b *Bank) BlockHeight() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.height
}

// LatestBlockhash returns the newest blockhash and the last block height at
// which a transaction using it can still land.
func (b *Bank) LatestBlockhash() (solana.Hash, uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.latest, b.height + b.blockhashValidity()
}

func (b *Bank) blockhashValidity() uint64 {
	if b.validity != nil {
		if v := b.validity(); v > 0 {
			return v
		}
	}
	return b.cfg.BlockhashValidity
}

// IsBlockhashValid reports whether h can still be used by a new transaction.
func (b *Bank) IsBlockhashValid(h solana.Hash) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.blockhashValidLocked(h)
}

func (b *Bank) blockhashValidLocked(h solana.Hash) bool {
	at, ok := b.hashes[h]
	return ok && b.height <= at+b.blockhashValidity()
}

// Advance produces n slots (one block each), as the ticker does every interval.
func (b *Bank) Advance(n int) {
	for range n {
		b.mu.Lock()
		parent := b.slot
		b.slot++
		b.height++
		var buf [40]byte
		copy(buf[:32], b.latest[:])
		binary.LittleEndian.PutUint64(buf[32:], b.slot)
		b.latest = solana.Hash(sha256.Sum256(buf[:]))
		b.hashes[b.latest] = b.height
		b.hashRing = append(b.hashRing, b.latest)
		if len(b.hashRing) > slotHashesWindow {
			delete(b.hashes, b.hashRing[0])
			b.hashRing = b.hashRing[1:]
		}
		b.slotTimes[b.slot] = time.Now().Unix()
		delete(b.slotTimes, b.slot-slotHashesWindow*4)
		slot := b.slot
		b.mu.Unlock()
		for _, o := range b.observersSnapshot() {
			o.SlotAdvanced(slot, parent)
		}
	}
}

// clockLocked is the Clock sysvar at the current slot.
func (b *Bank) clockLocked() Clock {
	ts, ok := b.slotTimes[b.slot]
	if !ok {
		ts = time.Now().Unix()
	}
	return Clock{Slot: b.slot, UnixTimestamp: ts, Epoch: b.slot / 432_000}
}

// BlockTime returns the unix time of slot (false when it is too old).
func (b *Bank) BlockTime(slot uint64) (int64, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	t, ok := b.slotTimes[slot]
	return t, ok
}

// Status returns the record of a processed transaction.
func (b *Bank) Status(sig solana.Signature) (*TxRecord, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	r, ok := b.statuses[sig]
	return r, ok
}

func (b *Bank) recordLocked(rec *TxRecord) {
	b.committed++
	b.statuses[rec.Signature] = rec
	b.statusOrder = append(b.statusOrder, rec.Signature)
	if len(b.statusOrder) > maxStatusHistory {
		delete(b.statuses, b.statusOrder[0])
		b.statusOrder = b.statusOrder[1:]
	}
	for _, k := range rec.AccountKeys {
		list := append(b.bySigner[k], rec.Signature)
		if len(list) > 1000 {
			list = list[len(list)-1000:]
		}
		b.bySigner[k] = list
	}
}

// SignaturesFor returns up to limit signatures touching key, newest first.
func (b *Bank) SignaturesFor(key solana.PublicKey, limit int) []*TxRecord {
	b.mu.RLock()
	defer b.mu.RUnlock()
	list := b.bySigner[key]
	var out []*TxRecord
	for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
		if r, ok := b.statuses[list[i]]; ok {
			out = append(out, r)
		}
	}
	return out
}

// Accounts calls fn for each account whose owner is owner (copies).
func (b *Bank) Accounts(owner solana.PublicKey, fn func(solana.PublicKey, Account)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for k, a := range b.accounts {
		if a.Owner == owner {
			fn(k, *cloneAccount(a))
		}
	}
}

func cloneAccount(a *Account) *Account {
	c := *a
	c.Data = append([]byte(nil), a.Data...)
	return &c
}

// PrioritizationFee is one slot's entry of getRecentPrioritizationFees.
type PrioritizationFee struct {
	Slot              uint64 `json:"slot"`
	PrioritizationFee uint64 `json:"prioritizationFee"`
}

// RecentPrioritizationFees returns, for each of the last slots that holds a landed
// transaction write-locking one of keys, the highest over keys of the lowest CU price
// paid to write-lock it in that slot, oldest first.
func (b *Bank) RecentPrioritizationFees(keys []solana.PublicKey, slots uint64) []PrioritizationFee {
	b.mu.RLock()
	defer b.mu.RUnlock()
	from := uint64(0)
	if b.slot > slots {
		from = b.slot - slots
	}
	perSlot := map[uint64]uint64{}
	for _, key := range keys {
		lowest := map[uint64]uint64{} // slot -> lowest price that locked key
		for _, sig := range b.bySigner[key] {
			rec := b.statuses[sig]
			if rec == nil || rec.Slot < from || rec.Err != nil {
				continue
			}
			for i, k := range rec.AccountKeys {
				if k == key && i < len(rec.Writable) && rec.Writable[i] {
					if cur, ok := lowest[rec.Slot]; !ok || rec.CUPrice < cur {
						lowest[rec.Slot] = rec.CUPrice
					}
				}
			}
		}
		for slot, p := range lowest {
			perSlot[slot] = max(perSlot[slot], p)
		}
	}
	out := make([]PrioritizationFee, 0, len(perSlot))
	for slot, p := range perSlot {
		out = append(out, PrioritizationFee{Slot: slot, PrioritizationFee: p})
	}
	slices.SortFunc(out, func(a, b PrioritizationFee) int { return cmp.Compare(a.Slot, b.Slot) })
	return out
}

// commits counts the transactions recorded so far.
func (b *Bank) commits() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.committed
}
