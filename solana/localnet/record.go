package localnet

import "github.com/gagliardetto/solana-go"

// TxRecord is what the bank remembers of an executed (or simulated) transaction:
// enough to answer getSignatureStatuses, getTransaction and simulateTransaction.
type TxRecord struct {
	Signature   solana.Signature
	Slot        uint64
	BlockTime   int64
	Raw         []byte
	Versioned   bool
	AccountKeys []solana.PublicKey // static keys, then loaded writable, then loaded readonly
	// LoadedWritable / LoadedReadonly count the keys that came from lookup tables.
	LoadedWritable, LoadedReadonly int
	Err                            *TxError
	Fee                            uint64
	// CUPrice is the compute unit price the transaction paid (micro-lamports);
	// Writable marks the AccountKeys it write-locked.
	CUPrice                   uint64
	Writable                  []bool
	PreBalances, PostBalances []uint64
	PreTokenBalances          []TokenBalance
	PostTokenBalances         []TokenBalance
	Logs                      []string
	UnitsConsumed             uint64
	ReturnData                []byte
	// Inner lists the CPIs each top-level instruction made, in order.
	Inner []InnerInstructions

	// simState is the post-execution working state of a simulation.
	simState map[solana.PublicKey]*Account
}

// SimulatedAccount returns an account's state after a simulation (ok=false
// when the transaction did not load it).
func (r *TxRecord) SimulatedAccount(k solana.PublicKey) (*Account, bool) {
	a, ok := r.simState[k]
	return a, ok
}

// InnerInstructions are the CPIs made while top-level instruction Index ran.
type InnerInstructions struct {
	Index        int
	Instructions []InnerInstruction
}

// InnerInstruction is one CPI, with account indexes into AccountKeys.
type InnerInstruction struct {
	ProgramIDIndex int
	Accounts       []int
	Data           []byte
	StackHeight    int
}

// TokenBalance is one token account's balance in a transaction's meta.
type TokenBalance struct {
	AccountIndex int
	Mint         solana.PublicKey
	Owner        solana.PublicKey
	ProgramID    solana.PublicKey
	Amount       uint64
	Decimals     uint8
}

// tokenBalancesOf reads the token balances of every key that holds an
// initialized token account, looking mints up through get.
func tokenBalancesOf(keys []solana.PublicKey, get func(solana.PublicKey) *Account) []TokenBalance {
	out := []TokenBalance{}
	for i, k := range keys {
		a := get(k)
		if a == nil || !isTokenProgramID(a.Owner) {
			continue
		}
		ta, ok := parseTokenAccount(a.Data)
		if !ok {
			continue
		}
		tb := TokenBalance{AccountIndex: i, Mint: ta.Mint, Owner: ta.Owner, ProgramID: a.Owner, Amount: ta.Amount}
		if m := get(ta.Mint); m != nil {
			if mint, ok := parseMint(m.Data); ok {
				tb.Decimals = mint.Decimals
			}
		}
		out = append(out, tb)
	}
	return out
}
