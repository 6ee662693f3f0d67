package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/store"
)

// Wallet request bounds.
const (
	MaxWalletBody  = 4 << 10
	MaxWalletLabel = 64
)

// walletRequest is POST /api/wallets. SecretKey is the only secret the API ever
// reads; it goes to the store (which seals it) and nowhere else.
type walletRequest struct {
	UserID    string `json:"userId"`
	Label     string `json:"label"`
	SecretKey string `json:"secretKey"`
	Generate  bool   `json:"generate"`
}

// walletReply is all a wallet registration answers: never the secret.
type walletReply struct {
	PublicKey string `json:"publicKey"`
	UserID    string `json:"userId"`
	Label     string `json:"label"`
}

func (s *Server) createWallet(w http.ResponseWriter, r *http.Request) {
	if !requireAPIKey(w, r) {
		return
	}
	var req walletRequest
	body, ok := decodeJSONBody(w, r, MaxWalletBody, &req, "invalid wallet", "body must be {userId, label?, secretKey?} or {userId, label?, generate: true}")
	if !ok {
		return
	}
	defer clear(body)
	secret, fields := req.validate()
	if len(fields) > 0 {
		writeFields(w, "invalid wallet", fields)
		return
	}
	defer clear(secret)
	wal, err := s.deps.Wallets.CreateWallet(r.Context(), req.UserID, req.Label, store.WalletUser, secret)
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "wallet is registered to another user")
	case errors.Is(err, store.ErrInvalidKey):
		writeFields(w, "invalid wallet", map[string]string{"secretKey": "not a valid ed25519 keypair"})
	case err != nil:
		s.unavailable(w, "create wallet", err)
	default:
		writeJSON(w, http.StatusCreated, walletReply{PublicKey: wal.PublicKey, UserID: wal.UserID, Label: wal.Label})
	}
}

// validate checks every field and returns the 64-byte keypair to register.
func (req *walletRequest) validate() ([]byte, map[string]string) {
	fields := map[string]string{}
	if !jobs.ValidUserID(req.UserID) {
		fields["userId"] = "1..128 characters of A-Z a-z 0-9 - _ . : @"
	}
	if len(req.Label) > MaxWalletLabel || !utf8.ValidString(req.Label) {
		fields["label"] = "at most 64 bytes of UTF-8"
	}
	var secret []byte
	switch {
	case req.SecretKey != "" && req.Generate:
		fields["generate"] = "give secretKey or generate: true, not both"
	case req.SecretKey != "":
		b, err := base58.Decode(req.SecretKey)
		if err != nil || len(b) != ed25519.PrivateKeySize {
			fields["secretKey"] = "must be a base58 keypair of 64 bytes"
			clear(b)
		} else {
			secret = b
		}
	case req.Generate:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			fields["generate"] = "could not generate a keypair"
		}
		secret = priv
	default:
		fields["secretKey"] = "secretKey or generate: true is required"
	}
	req.SecretKey = ""
	if len(fields) > 0 {
		clear(secret)
		return nil, fields
	}
	return secret, nil
}

// walletView is one wallet of GET /api/users/{userId}/wallets.
type walletView struct {
	PublicKey  string           `json:"publicKey"`
	Label      string           `json:"label"`
	Kind       store.WalletKind `json:"kind"`
	BalanceSol *float64         `json:"balanceSol"` // null when the chain could not be read
	Lamports   *uint64          `json:"lamports"`
	// Tokens are the non-zero balances of the user's own launches' mints; null when
	// the chain could not be read.
	Tokens []TokenHolding `json:"tokens"`
}

// MaxBalanceMints bounds the mints a wallet list reads token balances of: the
// user's newest launches. Keys per list = wallets + mints + wallets x mints, read in
// getMultipleAccounts calls of 100 keys sent side by side.
const MaxBalanceMints = 20

func (s *Server) userWallets(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("userId")
	if !validUserPath(w, r, userID) {
		return
	}
	ws, err := s.deps.Wallets.ListWallets(r.Context(), userID, "")
	if err != nil {
		s.unavailable(w, "list wallets", err)
		return
	}
	views := make([]walletView, len(ws))
	keys := make([]string, len(ws))
	for i, wal := range ws {
		views[i] = walletView{PublicKey: wal.PublicKey, Label: wal.Label, Kind: wal.Kind}
		keys[i] = wal.PublicKey
	}
	rep := map[string]any{"userId": userID, "wallets": views}
	if bal, err := s.holdings(r, userID, keys); err != nil {
		rep["balancesError"] = "balances unavailable"
		s.log.Warn().Err(err).Str("user_id", userID).Msg("read wallet balances")
	} else if bal != nil {
		for i := range views {
			h := bal[views[i].PublicKey]
			sol := float64(h.Lamports) / 1e9
			views[i].Lamports, views[i].BalanceSol = &h.Lamports, &sol
			views[i].Tokens = nonNilTokens(h.Tokens)
		}
	}
	writeJSON(w, http.StatusOK, rep)
}

func nonNilTokens(t []TokenHolding) []TokenHolding {
	if t == nil {
		return []TokenHolding{}
	}
	return t
}

// validUserPath checks the {userId} of a path and that the caller may act for it.
func validUserPath(w http.ResponseWriter, r *http.Request, userID string) bool {
	if !jobs.ValidUserID(userID) {
		writeFields(w, "invalid userId", map[string]string{"userId": "1..128 characters of A-Z a-z 0-9 - _ . : @"})
		return false
	}
	return requireUser(w, r, userID)
}

// holdings reads what keys hold: lamports and the balances of the mints of the
// user's newest launches. nil, nil without a chain.
func (s *Server) holdings(r *http.Request, userID string, keys []string) (map[string]Holding, error) {
	if s.deps.Balances == nil || len(keys) == 0 {
		return nil, nil
	}
	launches, err := s.deps.Launches.ListUserLaunches(r.Context(), userID, MaxBalanceMints)
	if err != nil {
		return nil, fmt.Errorf("launches of %s: %w", userID, err)
	}
	mints := make([]TokenMint, len(launches))
	for i, l := range launches {
		mints[i] = TokenMint{Mint: l.TokenAddress, Platform: l.Platform}
	}
	return s.deps.Balances.Holdings(r.Context(), keys, mints)
}
