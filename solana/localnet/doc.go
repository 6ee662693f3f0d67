// Package localnet is a built-in Solana cluster that runs in process, so the bot's
// real transactions run with no network: a bank that executes wire transactions
// (legacy and v0 with lookup tables) with ed25519 signature checks, fees (5000
// lamports per signature plus the priority fee on the compute-unit limit),
// blockhash expiry by block height, atomic execution (a failed transaction only
// pays its fee), the runtime's account rules (signer and writable privileges,
// debits and data writes only by the owner, rent exemption, CPI depth 5), and a
// status cache; Go models of the native programs (System, Compute Budget, SPL
// Token and Token-2022 with the metadata pointer and token metadata extensions,
// Associated Token Account, Address Lookup Table) with their real error codes;
// and the launchpad models (pump, LaunchLab, Metaplex) plugged in at genesis.
//
// Cluster serves it as solana-test-validator does: JSON-RPC over HTTP (Handler,
// with the Jito-style bundle API under .../api/v1/bundles), PubSub over WebSocket
// (WSHandler: signature, account, slot and logs subscriptions), slots produced by
// a ticker (or Bank.Advance in tests), requestAirdrop from a faucet, and Faults,
// runtime knobs that drop or delay transactions, shorten blockhash validity and
// answer HTTP 429/5xx.
//
//	c, _ := localnet.New(localnet.Config{})         // 400 ms slots
//	defer c.Close()
//	_ = c.ListenAndServe(ctx, "127.0.0.1", 8899)    // RPC :8899, PubSub :8900
//
// Modelled programs implement Program (program.go) and register through
// genesisHooks (cluster.go).
package localnet
