package localnet

import (
	"encoding/json"

	"github.com/gagliardetto/solana-go"
)

// logsSub is a logsSubscribe subscription: every transaction ("all") or those
// that mention one address, notified at the requested commitment.
type logsSub struct {
	id       uint64
	sess     *wsSession
	depth    uint64
	mentions *solana.PublicKey
}

type pendingLogs struct {
	sub *logsSub
	rec *TxRecord
}

func (ps *pubsub) subscribeLogs(s *wsSession, params json.RawMessage) (any, *rpcError) {
	var filter json.RawMessage
	var cfg struct {
		Commitment string `json:"commitment"`
	}
	if err := positional(params, 1, &filter, &cfg); err != nil {
		return nil, err.(*rpcError)
	}
	sub := &logsSub{sess: s, depth: commitmentDepth(cfg.Commitment)}
	var word string
	var obj struct {
		Mentions []string `json:"mentions"`
	}
	switch {
	case json.Unmarshal(filter, &word) == nil && (word == "all" || word == "allWithVotes"):
	case json.Unmarshal(filter, &obj) == nil && len(obj.Mentions) == 1:
		k, err := solana.PublicKeyFromBase58(obj.Mentions[0])
		if err != nil {
			return nil, invalidParams("Invalid Request: Invalid pubkey provided")
		}
		sub.mentions = &k
	default:
		return nil, invalidParams("Invalid Request: Only 1 address supported")
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.nextID++
	sub.id = ps.nextID
	ps.owner[sub.id] = s
	ps.logsSubs[sub.id] = sub
	return sub.id, nil
}

func (sub *logsSub) matches(rec *TxRecord) bool {
	if sub.mentions == nil {
		return true
	}
	for _, k := range rec.AccountKeys {
		if k == *sub.mentions {
			return true
		}
	}
	return false
}

// notifyLogsLocked queues (or sends) the logs of a committed transaction.
func (ps *pubsub) notifyLogsLocked(rec *TxRecord) {
	for _, sub := range ps.logsSubs {
		if sub.matches(rec) {
			ps.pendingLogs = append(ps.pendingLogs, pendingLogs{sub: sub, rec: rec})
		}
	}
	ps.flushLogsLocked(ps.c.bank.Slot())
}

func (ps *pubsub) flushLogsLocked(slot uint64) {
	ps.pendingLogs = filter(ps.pendingLogs, func(p pendingLogs) bool {
		if slot < p.rec.Slot+p.sub.depth {
			return true
		}
		logs := p.rec.Logs
		if logs == nil {
			logs = []string{}
		}
		value := map[string]any{"signature": p.rec.Signature.String(), "err": errOrNil(p.rec.Err), "logs": logs}
		p.sub.sess.send(notification("logsNotification", p.sub.id,
			withContext{Context: rpcContext{APIVersion: APIVersion, Slot: p.rec.Slot}, Value: value}))
		return false
	})
}

// removeLogsLocked drops the logs subscriptions matching drop.
func (ps *pubsub) removeLogsLocked(drop func(id uint64, s *wsSession) bool) {
	for id, sub := range ps.logsSubs {
		if drop(id, sub.sess) {
			delete(ps.logsSubs, id)
		}
	}
	ps.pendingLogs = filter(ps.pendingLogs, func(p pendingLogs) bool { return !drop(p.sub.id, p.sub.sess) })
}
