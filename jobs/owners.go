package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/nitro-runtime/nitro/store"
)

// Owners says who owns a wallet or a launch (the store). Both return an error
// wrapping store.ErrNotFound for one that is not registered.
type Owners interface {
	WalletOwner(ctx context.Context, publicKey string) (string, error)
	LaunchOwner(ctx context.Context, token string) (string, error)
}

// OwnershipError refuses a payload that names a wallet or a launch its user does not
// own (403) or that does not exist (404), field by field. Refused at enqueue, the job
// never starts only to fail minutes later.
type OwnershipError struct {
	Status int               // http.StatusForbidden or http.StatusNotFound
	Fields map[string]string // field path -> why
}

func (e *OwnershipError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msg := "payload names what its user does not own:"
	for _, k := range keys {
		msg += fmt.Sprintf(" %s: %s;", k, e.Fields[k])
	}
	return msg
}

// references are the wallets (field -> public key) and the launch a payload names.
func references(p Payload) (wallets map[string]string, token string) {
	wallets = map[string]string{}
	plan := func(w *WalletPlan) {
		if w.DevWallet != "" {
			wallets["devWallet"] = w.DevWallet
		}
		if w.FundingWallet != "" {
			wallets["fundingWallet"] = w.FundingWallet
		}
		for i, b := range w.BuyerWallets {
			wallets[fmt.Sprintf("buyerWallets[%d].publicKey", i)] = b.PublicKey
		}
	}
	switch v := p.(type) {
	case *PrepareLaunchPayload:
		plan(&v.WalletPlan)
		token = v.TokenAddress
	case *ExecuteLaunchPayload:
		token = v.TokenAddress
	case *LaunchTokenPayload:
		plan(&v.WalletPlan)
	case *LaunchTokenFromDappPayload:
		plan(&v.WalletPlan)
	case *DevSellPayload:
		token = v.TokenAddress
		if v.DevWallet != "" {
			wallets["devWallet"] = v.DevWallet
		}
	case *WalletSellPayload:
		token = v.TokenAddress
		for i, w := range v.Wallets {
			wallets[fmt.Sprintf("wallets[%d]", i)] = w
		}
	case *SweepWalletsPayload:
		token = v.TokenAddress
		wallets["destination"] = v.Destination
		for i, w := range v.Wallets {
			wallets[fmt.Sprintf("wallets[%d]", i)] = w
		}
	}
	return wallets, token
}

// CheckOwners refuses (with an *OwnershipError) a payload naming a wallet or launch
// that is not its user's: 403 when another user owns one, else 404 when one is not
// registered. Any other error is the store's.
func CheckOwners(ctx context.Context, o Owners, p Payload) error {
	user := p.UserID()
	wallets, token := references(p)
	refused := &OwnershipError{Status: http.StatusNotFound, Fields: map[string]string{}}
	judge := func(field, owner string, err error, missing string) error {
		switch {
		case errors.Is(err, store.ErrNotFound):
			refused.Fields[field] = missing
		case err != nil:
			return fmt.Errorf("owner of %s: %w", field, err)
		case owner != user:
			refused.Fields[field] = "belongs to another user"
			refused.Status = http.StatusForbidden
		}
		return nil
	}
	for field, pub := range wallets {
		owner, err := o.WalletOwner(ctx, pub)
		if err := judge(field, owner, err, "not a registered wallet (POST /api/wallets first)"); err != nil {
			return err
		}
	}
	if token != "" {
		owner, err := o.LaunchOwner(ctx, token)
		if err := judge("tokenAddress", owner, err, "no such launch (create_token_metadata makes one)"); err != nil {
			return err
		}
	}
	if len(refused.Fields) > 0 {
		return refused
	}
	return nil
}
