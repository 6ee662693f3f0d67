package main

import (
	"context"
	"fmt"
	"sync"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/token"
)

// maxAccountsPerCall is getMultipleAccounts' limit on keys per request.
const maxAccountsPerCall = 100

// holdingsReader is the API's Balances over the chain client. It asks for every
// wallet's system account, every mint, and every wallet's associated token account
// of every mint in getMultipleAccounts calls of 100 keys sent side by side: one round
// trip whatever the number of wallets, and a single request while wallets + mints +
// wallets x mints <= 100. getTokenAccountsByOwner would be one request per wallet.
//
// The token program of a mint follows from its platform: pump create_v2 coins are
// Token-2022, LaunchLab initialize_v2 coins SPL Token (the only ones the workers make).
type holdingsReader struct{ c *solana.Client }

// tokenProgramOf is the program whose ATAs hold a platform's coins.
func tokenProgramOf(p progress.Platform) sol.PublicKey {
	if p == progress.PlatformBonk {
		return token.TokenProgramID
	}
	return token.Token2022ProgramID
}

// Holdings implements api.Balances.
func (h holdingsReader) Holdings(ctx context.Context, wallets []string, mints []api.TokenMint) (map[string]api.Holding, error) {
	keys := make([]sol.PublicKey, 0, len(wallets)*(1+len(mints))+len(mints))
	owners := make([]sol.PublicKey, len(wallets))
	for i, w := range wallets {
		pk, err := sol.PublicKeyFromBase58(w)
		if err != nil {
			return nil, fmt.Errorf("wallet %q: %w", w, err)
		}
		owners[i] = pk
	}
	keys = append(keys, owners...)
	mintKeys := make([]sol.PublicKey, 0, len(mints))
	programs := make([]sol.PublicKey, 0, len(mints))
	for _, m := range mints {
		pk, err := sol.PublicKeyFromBase58(m.Mint)
		if err != nil {
			continue // a launch record is validated on write; never fail the list for one
		}
		mintKeys, programs = append(mintKeys, pk), append(programs, tokenProgramOf(m.Platform))
	}
	keys = append(keys, mintKeys...)
	for _, o := range owners {
		for j, m := range mintKeys {
			ata, err := token.AssociatedAddress(o, m, programs[j])
			if err != nil {
				return nil, fmt.Errorf("token account of %s for %s: %w", o, m, err)
			}
			keys = append(keys, ata)
		}
	}
	accs, err := h.fetch(ctx, keys)
	if err != nil {
		return nil, err
	}
	return holdingsOf(wallets, mintKeys, programs, accs), nil
}

// fetch reads keys in chunks of 100, all chunks at once.
func (h holdingsReader) fetch(ctx context.Context, keys []sol.PublicKey) ([]*solana.Account, error) {
	out := make([]*solana.Account, len(keys))
	errs := make([]error, (len(keys)+maxAccountsPerCall-1)/maxAccountsPerCall)
	var wg sync.WaitGroup
	for c := range errs {
		lo, hi := c*maxAccountsPerCall, min((c+1)*maxAccountsPerCall, len(keys))
		wg.Go(func() {
			accs, err := h.c.GetMultipleAccounts(ctx, keys[lo:hi]...)
			if err != nil {
				errs[c] = fmt.Errorf("read balances: %w", err)
				return
			}
			copy(out[lo:hi], accs)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// holdingsOf decodes accs, laid out as fetch's keys: wallets, mints, then the ATAs
// wallet by wallet. An account that is missing or not what it should be counts as
// empty (a mint not made yet, an ATA never opened or closed).
func holdingsOf(wallets []string, mints, programs []sol.PublicKey, accs []*solana.Account) map[string]api.Holding {
	nw, nm := len(wallets), len(mints)
	decimals := make([]int, nm)
	for j := range mints {
		decimals[j] = -1
		if a := accs[nw+j]; a != nil && a.Owner == programs[j] {
			if m, err := token.DecodeMint(a.Data); err == nil {
				decimals[j] = int(m.Decimals)
			}
		}
	}
	out := make(map[string]api.Holding, nw)
	for i, w := range wallets {
		var h api.Holding
		if a := accs[i]; a != nil {
			h.Lamports = a.Lamports
		}
		for j, m := range mints {
			a := accs[nw+nm+i*nm+j]
			if a == nil || a.Owner != programs[j] || decimals[j] < 0 {
				continue
			}
			ta, err := token.DecodeTokenAccount(a.Data)
			if err != nil || ta.Mint != m || ta.Amount == 0 {
				continue
			}
			h.Tokens = append(h.Tokens, api.TokenHolding{Mint: m.String(), Amount: ta.Amount, Decimals: uint8(decimals[j])})
		}
		out[w] = h
	}
	return out
}
