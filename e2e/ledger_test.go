package e2e

import "testing"

// TestBuiltinLedgerSurvivesRestart: the built-in cluster keeps its ledger in
// NITRO_DATA_DIR across a restart of nitro serve, so wallets registered in
// PostgreSQL still hold their SOL on chain; serve --reset starts from genesis.
func TestBuiltinLedgerSurvivesRestart(t *testing.T) {
	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	w := s.registerWallet("lars", "dev")
	chain.airdrop(w.Pub(), 3*lamportsPerSOL)
	s.stop()
	s.start()
	if got := chain.balance(w.Pub()); got != 3*lamportsPerSOL {
		t.Fatalf("after a restart the wallet holds %d lamports, want %d", got, 3*lamportsPerSOL)
	}
	s.stop()
	s.args = []string{"--reset"}
	s.start()
	if got := chain.balance(w.Pub()); got != 0 {
		t.Fatalf("after serve --reset the wallet holds %d lamports, want a fresh ledger", got)
	}
}
