package api

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/store"
)

// MaxWalletImportBody bounds POST /api/wallets/import: 100 keypairs of 88 base58
// characters with labels of 64 bytes fit with room for JSON escapes.
const MaxWalletImportBody = 64 << 10

// importRequest is POST /api/wallets/import: up to store.MaxWalletImport keypairs
// registered for one user in one transaction, all or none.
type importRequest struct {
	UserID  string       `json:"userId"`
	Wallets []importItem `json:"wallets"`
}

type importItem struct {
	Label     string `json:"label"`
	SecretKey string `json:"secretKey"`
}

func (s *Server) importWallets(w http.ResponseWriter, r *http.Request) {
	if !requireAPIKey(w, r) {
		return
	}
	var req importRequest
	body, ok := decodeJSONBody(w, r, MaxWalletImportBody, &req, "invalid wallet import", "body must be {userId, wallets: [{label?, secretKey}]}")
	if !ok {
		return
	}
	defer clear(body)
	items, fields := req.validate()
	defer func() {
		for _, it := range items {
			clear(it.Secret)
		}
	}()
	if len(fields) > 0 {
		writeFields(w, "invalid wallet import", fields)
		return
	}
	ws, err := s.deps.Wallets.ImportWallets(r.Context(), req.UserID, items)
	var ie *store.ImportError
	switch {
	case errors.As(err, &ie) && errors.Is(err, store.ErrInvalidKey):
		writeFields(w, "invalid wallet import", map[string]string{itemField(ie.Index): "not a valid ed25519 keypair"})
	case errors.As(err, &ie) && errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusConflict, errorBody{Error: "a wallet of the import is already registered; nothing was imported",
			Fields: map[string]string{itemField(ie.Index): "already registered"}})
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "a wallet of the import was registered meanwhile; nothing was imported")
	case err != nil:
		s.unavailable(w, "import wallets", err)
	default:
		out := make([]walletReply, len(ws))
		for i, wal := range ws {
			out[i] = walletReply{PublicKey: wal.PublicKey, UserID: wal.UserID, Label: wal.Label}
		}
		writeJSON(w, http.StatusCreated, map[string]any{"userId": req.UserID, "wallets": out})
	}
}

func itemField(i int) string { return fmt.Sprintf("wallets[%d].secretKey", i) }

// validate checks every item (each bad field named by its index) and returns the
// decoded keypairs; a keypair given twice is refused here, before any work.
func (req *importRequest) validate() ([]store.WalletImport, map[string]string) {
	fields := map[string]string{}
	if !jobs.ValidUserID(req.UserID) {
		fields["userId"] = "1..128 characters of A-Z a-z 0-9 - _ . : @"
	}
	if len(req.Wallets) == 0 || len(req.Wallets) > store.MaxWalletImport {
		fields["wallets"] = fmt.Sprintf("1..%d wallets", store.MaxWalletImport)
		return nil, fields
	}
	items := make([]store.WalletImport, 0, len(req.Wallets))
	seen := map[string]int{}
	for i := range req.Wallets {
		it := &req.Wallets[i]
		if len(it.Label) > MaxWalletLabel || !utf8.ValidString(it.Label) {
			fields[fmt.Sprintf("wallets[%d].label", i)] = "at most 64 bytes of UTF-8"
		}
		b, err := base58.Decode(it.SecretKey)
		it.SecretKey = ""
		if err != nil || len(b) != ed25519.PrivateKeySize {
			fields[itemField(i)] = "must be a base58 keypair of 64 bytes"
			clear(b)
			continue
		}
		pub := string(b[ed25519.SeedSize:])
		if j, dup := seen[pub]; dup {
			fields[itemField(i)] = fmt.Sprintf("same keypair as wallets[%d]", j)
			clear(b)
			continue
		}
		seen[pub] = i
		items = append(items, store.WalletImport{Label: it.Label, Secret: b})
	}
	return items, fields
}

// renameRequest is PATCH /api/users/{userId}/wallets/{publicKey}.
type renameRequest struct {
	Label string `json:"label"`
}

func (s *Server) renameWallet(w http.ResponseWriter, r *http.Request) {
	userID, pub, ok := walletPath(w, r)
	if !ok {
		return
	}
	var req renameRequest
	if _, ok := decodeJSONBody(w, r, MaxWalletBody, &req, "invalid label", "body must be {label}"); !ok {
		return
	}
	if len(req.Label) > MaxWalletLabel || !utf8.ValidString(req.Label) {
		writeFields(w, "invalid label", map[string]string{"label": "at most 64 bytes of UTF-8"})
		return
	}
	wal, err := s.deps.Wallets.RenameWallet(r.Context(), userID, pub, req.Label)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such wallet of this user")
	case err != nil:
		s.unavailable(w, "rename wallet", err)
	default:
		writeJSON(w, http.StatusOK, walletReply{PublicKey: wal.PublicKey, UserID: wal.UserID, Label: wal.Label})
	}
}

// deleteWallet takes a wallet off the user's list only when the chain shows it
// empty: no lamports and no balance of the user's mints. The store keeps its sealed
// secret for the history's retention (restoreWallet), since funds may still reach it
// after the check and the secret exists nowhere else.
func (s *Server) deleteWallet(w http.ResponseWriter, r *http.Request) {
	userID, pub, ok := walletPath(w, r)
	if !ok {
		return
	}
	wal, err := s.deps.Wallets.GetUserWallet(r.Context(), userID, pub)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such wallet of this user")
		return
	case err != nil:
		s.unavailable(w, "read wallet", err)
		return
	case wal.Kind != store.WalletUser:
		writeError(w, http.StatusConflict, fmt.Sprintf("a %s wallet is kept by Nitro and cannot be deleted", wal.Kind))
		return
	case s.deps.Balances == nil:
		writeError(w, http.StatusServiceUnavailable, "balances cannot be read, so the wallet cannot be proven empty")
		return
	}
	held, err := s.holdings(r, userID, []string{pub})
	if err != nil {
		s.unavailable(w, "read wallet balance", err)
		return
	}
	if h := held[pub]; h.Lamports > 0 || len(h.Tokens) > 0 {
		writeError(w, http.StatusConflict, fmt.Sprintf("wallet holds %d lamports and %d token balances; move them out before deleting it",
			h.Lamports, len(h.Tokens)))
		return
	}
	switch err := s.deps.Wallets.DeleteWallet(r.Context(), userID, pub); {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such wallet of this user")
	case err != nil:
		s.unavailable(w, "delete wallet", err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// restoreWallet registers again a wallet the user deleted (or answers it, registered
// already), so funds that reached it afterwards can be swept.
func (s *Server) restoreWallet(w http.ResponseWriter, r *http.Request) {
	userID, pub, ok := walletPath(w, r)
	if !ok {
		return
	}
	wal, err := s.deps.Wallets.RestoreWallet(r.Context(), userID, pub)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no deleted wallet of this user with this key (never registered, or pruned after NITRO_EVENT_RETENTION)")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "this key is registered to another user now")
	case err != nil:
		s.unavailable(w, "restore wallet", err)
	default:
		writeJSON(w, http.StatusOK, walletReply{PublicKey: wal.PublicKey, UserID: wal.UserID, Label: wal.Label})
	}
}

// walletPath reads {userId} and {publicKey} and checks that the caller may act.
func walletPath(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	userID, pub := r.PathValue("userId"), r.PathValue("publicKey")
	if !validUserPath(w, r, userID) {
		return "", "", false
	}
	if !jobs.ValidPublicKey(pub) {
		writeFields(w, "invalid publicKey", map[string]string{"publicKey": "a base58 public key of 32 bytes"})
		return "", "", false
	}
	return userID, pub, true
}
