package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/internal/strictjson"
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
	body, ok := readJSONBody(w, r, MaxWalletBody)
	if !ok {
		return
	}
	defer clear(body)
	var req walletRequest
	if err := strictjson.Decode(body, &req); err != nil {
		writeStrictError(w, "invalid wallet", "body must be {userId, label?, secretKey?} or {userId, label?, generate: true}", err)
		return
	}
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
}

func (s *Server) userWallets(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("userId")
	if !jobs.ValidUserID(userID) {
		writeFields(w, "invalid userId", map[string]string{"userId": "1..128 characters of A-Z a-z 0-9 - _ . : @"})
		return
	}
	if !requireUser(w, r, userID) {
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
	if bal, err := s.balances(r, keys); err != nil {
		rep["balancesError"] = "balances unavailable"
		s.log.Warn().Err(err).Msg("read wallet balances")
	} else if bal != nil {
		for i := range views {
			lamports := bal[views[i].PublicKey]
			sol := float64(lamports) / 1e9
			views[i].Lamports, views[i].BalanceSol = &lamports, &sol
		}
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) balances(r *http.Request, keys []string) (map[string]uint64, error) {
	if s.deps.Balances == nil || len(keys) == 0 {
		return nil, nil
	}
	return s.deps.Balances.Balances(r.Context(), keys)
}
