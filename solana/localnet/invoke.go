package localnet

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// MaxInvokeDepth is the deepest instruction stack (top level = 1), as on Solana.
const MaxInvokeDepth = 5

// frame is one running instruction: its context and the account states it
// started from, against which its changes are verified.
type frame struct {
	ic  *InstructionContext
	pre map[solana.PublicKey]snapshot
}

type snapshot struct {
	acc      Account
	writable bool
}

func takeSnapshot(ic *InstructionContext) map[solana.PublicKey]snapshot {
	pre := make(map[solana.PublicKey]snapshot, len(ic.Accounts))
	for _, r := range ic.Accounts {
		s, seen := pre[r.Key]
		if !seen {
			s.acc = *r.Account
			s.acc.Data = append([]byte(nil), r.Data...)
		}
		s.writable = s.writable || r.IsWritable
		pre[r.Key] = s
	}
	return pre
}

// execute runs one instruction (top level or CPI) with logs, compute and the
// account-modification rules of the runtime.
func (st *txState) execute(ic *InstructionContext) error {
	prog, ok := st.bank.programs[ic.ProgramID]
	if !ok {
		return ErrUnsupportedProgramID
	}
	pid := ic.ProgramID.String()
	st.appendLog(fmt.Sprintf("Program %s invoke [%d]", pid, ic.Depth))
	fr := &frame{ic: ic, pre: takeSnapshot(ic)}
	st.stack = append(st.stack, fr)
	defer func() { st.stack = st.stack[:len(st.stack)-1] }()
	cost, builtin := builtinCU[ic.ProgramID]
	startUsed := st.cuUsed
	remaining := st.cuLimit - st.cuUsed
	err := st.consume(cost)
	if err == nil {
		err = st.process(prog, ic)
	}
	if err == nil {
		err = st.verify(fr)
	}
	if !builtin {
		st.appendLog(fmt.Sprintf("Program %s consumed %d of %d compute units", pid, st.cuUsed-startUsed, remaining))
	}
	if err != nil {
		st.appendLog(fmt.Sprintf("Program %s failed: %s", pid, instructionErrorMessage(err)))
		return err
	}
	st.appendLog(fmt.Sprintf("Program %s success", pid))
	return nil
}

// process runs a program, turning a panic of a model into a failed
// instruction: hostile input must never take the cluster down.
func (st *txState) process(prog Program, ic *InstructionContext) (err error) {
	defer func() {
		if p := recover(); p != nil {
			st.appendLog(fmt.Sprintf("Program %s panicked: %v", ic.ProgramID, p))
			err = ErrProgramFailedToComplete
		}
	}()
	return prog.Process(ic)
}

// verify applies the runtime's post-instruction checks to the frame's accounts.
func (st *txState) verify(fr *frame) error {
	pid := fr.ic.ProgramID
	var preSum, postSum uint64
	for k, s := range fr.pre {
		pre, post := &s.acc, st.work[k]
		preSum += pre.Lamports
		postSum += post.Lamports
		if post.Owner != pre.Owner && (!s.writable || pre.Executable || pre.Owner != pid || !allZero(post.Data)) {
			return ErrModifiedProgramID
		}
		if post.Lamports < pre.Lamports && pre.Owner != pid {
			return ErrExternalAccountLamportSpend
		}
		if post.Lamports != pre.Lamports && !s.writable {
			return ErrReadonlyLamportChange
		}
		if post.Executable != pre.Executable {
			return ErrExecutableModified
		}
		if len(post.Data) != len(pre.Data) && (!s.writable || pre.Owner != pid) {
			return ErrAccountDataSizeChanged
		}
		if !bytesEq(post.Data, pre.Data) {
			if !s.writable {
				return ErrReadonlyDataModified
			}
			if pre.Owner != pid {
				return ErrExternalAccountDataModified
			}
		}
	}
	if preSum != postSum {
		return ErrUnbalancedInstruction
	}
	return nil
}

// refresh re-snapshots a caller's accounts after a CPI returned, so the callee's
// legitimate changes are not attributed to the caller.
func (fr *frame) refresh(st *txState) {
	for k, s := range fr.pre {
		a := st.work[k]
		s.acc = *a
		s.acc.Data = append([]byte(nil), a.Data...)
		fr.pre[k] = s
	}
}

// invoke implements InstructionContext.Invoke (cross-program invocation).
func (st *txState) invoke(caller *InstructionContext, ix solana.Instruction, signerSeeds [][][]byte) error {
	if caller.Depth+1 > MaxInvokeDepth {
		return ErrCallDepth
	}
	callee := ix.ProgramID()
	// Direct self-recursion is allowed; re-entering a program further down
	// the stack is not.
	if st.stack[len(st.stack)-1].ic.ProgramID != callee {
		for _, fr := range st.stack {
			if fr.ic.ProgramID == callee {
				return ErrReentrancyNotAllowed
			}
		}
	}
	data, err := ix.Data()
	if err != nil {
		return ErrInvalidInstructionData
	}
	pdas := derivedSigners(caller.ProgramID, signerSeeds)
	child := &InstructionContext{ProgramID: callee, Data: data, Depth: caller.Depth + 1, tx: st}
	for _, m := range ix.Accounts() {
		ref := findRef(caller.Accounts, m.PublicKey)
		if ref == nil {
			st.log(fmt.Sprintf("Instruction references an unknown account %s", m.PublicKey))
			return ErrMissingAccount
		}
		if m.IsWritable && !ref.IsWritable {
			st.log(fmt.Sprintf("%s's writable privilege escalated", m.PublicKey))
			return ErrPrivilegeEscalation
		}
		if m.IsSigner && !ref.IsSigner && !pdas[m.PublicKey] {
			st.log(fmt.Sprintf("%s's signer privilege escalated", m.PublicKey))
			return ErrPrivilegeEscalation
		}
		child.Accounts = append(child.Accounts, &AccountRef{Key: m.PublicKey,
			IsSigner: m.IsSigner, IsWritable: m.IsWritable, Account: ref.Account})
	}
	callerFrame := st.stack[len(st.stack)-1]
	if err := st.verify(callerFrame); err != nil {
		return err
	}
	st.recordInner(child)
	err = st.execute(child)
	callerFrame.refresh(st)
	return err
}

// recordInner appends a CPI to the current top-level instruction's list.
func (st *txState) recordInner(ic *InstructionContext) {
	index := func(k solana.PublicKey) int {
		for i, key := range st.keys {
			if key == k {
				return i
			}
		}
		return -1
	}
	in := InnerInstruction{ProgramIDIndex: index(ic.ProgramID), Data: ic.Data, StackHeight: ic.Depth}
	for _, r := range ic.Accounts {
		in.Accounts = append(in.Accounts, index(r.Key))
	}
	rec := st.record
	if n := len(rec.Inner); n == 0 || rec.Inner[n-1].Index != st.topIndex {
		rec.Inner = append(rec.Inner, InnerInstructions{Index: st.topIndex})
	}
	last := &rec.Inner[len(rec.Inner)-1]
	last.Instructions = append(last.Instructions, in)
}

func findRef(refs []*AccountRef, k solana.PublicKey) *AccountRef {
	var found *AccountRef
	for _, r := range refs {
		if r.Key == k {
			if found == nil || r.IsWritable || r.IsSigner {
				if found != nil {
					r = &AccountRef{Key: k, IsSigner: r.IsSigner || found.IsSigner,
						IsWritable: r.IsWritable || found.IsWritable, Account: r.Account}
				}
				found = r
			}
		}
	}
	return found
}

// derivedSigners returns the PDAs the caller signs for. Seeds normally come
// without the bump (the bank searches it, as the contract says); seeds that
// already end in the bump are honoured too.
func derivedSigners(program solana.PublicKey, sets [][][]byte) map[solana.PublicKey]bool {
	out := map[solana.PublicKey]bool{}
	for _, seeds := range sets {
		cp := append([][]byte(nil), seeds...)
		if k, _, err := solana.FindProgramAddress(cp, program); err == nil {
			out[k] = true
		}
		if k, err := solana.CreateProgramAddress(seeds, program); err == nil {
			out[k] = true
		}
	}
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func bytesEq(a, b []byte) bool { return string(a) == string(b) }
