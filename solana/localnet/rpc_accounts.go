package localnet

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"sync"

	"github.com/gagliardetto/solana-go"
	"github.com/klauspost/compress/zstd"
	"github.com/mr-tron/base58"
)

func parseKey(s string) (solana.PublicKey, error) {
	k, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return k, invalidParams("Invalid param: Invalid")
	}
	return k, nil
}

// uiAccount is the RPC shape of an account.
type uiAccount struct {
	Data       any    `json:"data"`
	Executable bool   `json:"executable"`
	Lamports   uint64 `json:"lamports"`
	Owner      string `json:"owner"`
	RentEpoch  uint64 `json:"rentEpoch"`
	Space      int    `json:"space"`
}

var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, _ := zstd.NewWriter(nil)
	return e
})

// encodeAccount renders acc with the requested encoding and data slice.
func encodeAccount(acc Account, cfg commonConfig) (*uiAccount, error) {
	data := acc.Data
	if s := cfg.DataSlice; s != nil {
		off := min(max(s.Offset, 0), len(data))
		end := min(off+max(s.Length, 0), len(data))
		data = data[off:end]
	}
	ui := &uiAccount{Executable: acc.Executable, Lamports: acc.Lamports, Owner: acc.Owner.String(),
		RentEpoch: math.MaxUint64, Space: len(acc.Data)}
	switch cfg.Encoding {
	case "", "binary":
		if len(data) > 128 {
			return nil, invalidParams("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.")
		}
		ui.Data = base58.Encode(data)
	case "base58":
		if len(data) > 128 {
			return nil, invalidParams("Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.")
		}
		ui.Data = []string{base58.Encode(data), "base58"}
	case "base64":
		ui.Data = []string{base64.StdEncoding.EncodeToString(data), "base64"}
	case "base64+zstd":
		ui.Data = []string{base64.StdEncoding.EncodeToString(zstdEncoder().EncodeAll(data, nil)), "base64+zstd"}
	case "jsonParsed":
		return nil, invalidParams("Invalid params: jsonParsed encoding is not supported by the built-in cluster; use base64")
	default:
		return nil, invalidParams("Invalid params: unknown variant `%s`, expected one of `binary`, `base58`, `base64`, `jsonParsed`, `base64+zstd`.", cfg.Encoding)
	}
	return ui, nil
}

// keyParam reads the [pubkey, config?] parameters of an account read and checks the
// config (commitment, minContextSlot).
func (c *Cluster) keyParam(params json.RawMessage) (solana.PublicKey, commonConfig, error) {
	var key string
	var cfg commonConfig
	if err := positional(params, 1, &key, &cfg); err != nil {
		return solana.PublicKey{}, cfg, err
	}
	k, err := parseKey(key)
	if err != nil {
		return solana.PublicKey{}, cfg, err
	}
	return k, cfg, c.checkConfig(cfg)
}

func rpcGetBalance(c *Cluster, params json.RawMessage) (any, error) {
	k, _, err := c.keyParam(params)
	if err != nil {
		return nil, err
	}
	return c.ctxValue(c.bank.Balance(k)), nil
}

func rpcGetAccountInfo(c *Cluster, params json.RawMessage) (any, error) {
	k, cfg, err := c.keyParam(params)
	if err != nil {
		return nil, err
	}
	acc, ok := c.bank.GetAccount(k)
	if !ok {
		return c.ctxValue(nil), nil
	}
	ui, err := encodeAccount(acc, cfg)
	if err != nil {
		return nil, err
	}
	return c.ctxValue(ui), nil
}

func rpcGetMultipleAccounts(c *Cluster, params json.RawMessage) (any, error) {
	var keys []string
	var cfg commonConfig
	if err := positional(params, 1, &keys, &cfg); err != nil {
		return nil, err
	}
	if len(keys) > 100 {
		return nil, invalidParams("Too many inputs provided; max 100")
	}
	if err := c.checkConfig(cfg); err != nil {
		return nil, err
	}
	out := make([]*uiAccount, len(keys))
	for i, s := range keys {
		k, err := parseKey(s)
		if err != nil {
			return nil, err
		}
		if acc, ok := c.bank.GetAccount(k); ok {
			if out[i], err = encodeAccount(acc, cfg); err != nil {
				return nil, err
			}
		}
	}
	return c.ctxValue(out), nil
}

// uiTokenAmount is the RPC shape of a token amount.
type uiTokenAmount struct {
	Amount         string   `json:"amount"`
	Decimals       uint8    `json:"decimals"`
	UIAmount       *float64 `json:"uiAmount"`
	UIAmountString string   `json:"uiAmountString"`
}

func newUITokenAmount(amount uint64, decimals uint8) uiTokenAmount {
	s := formatUnits(amount, decimals)
	f, _ := strconv.ParseFloat(s, 64)
	return uiTokenAmount{Amount: strconv.FormatUint(amount, 10), Decimals: decimals, UIAmount: &f, UIAmountString: s}
}

// formatUnits renders amount / 10^decimals without trailing zeros ("1.5", "2").
func formatUnits(amount uint64, decimals uint8) string {
	s := strconv.FormatUint(amount, 10)
	if decimals == 0 {
		return s
	}
	for len(s) <= int(decimals) {
		s = "0" + s
	}
	whole, frac := s[:len(s)-int(decimals)], s[len(s)-int(decimals):]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

func rpcGetTokenAccountBalance(c *Cluster, params json.RawMessage) (any, error) {
	var key string
	var cfg commonConfig
	if err := positional(params, 1, &key, &cfg); err != nil {
		return nil, err
	}
	k, err := parseKey(key)
	if err != nil {
		return nil, err
	}
	acc, ok := c.bank.GetAccount(k)
	var st *TokenAccountState
	if ok && isTokenProgramID(acc.Owner) {
		st, ok = parseTokenAccount(acc.Data)
	}
	if !ok || st == nil {
		return nil, invalidParams("Invalid param: could not find account")
	}
	var decimals uint8
	if m, ok := c.bank.GetAccount(st.Mint); ok {
		if mint, ok := parseMint(m.Data); ok {
			decimals = mint.Decimals
		}
	}
	return c.ctxValue(newUITokenAmount(st.Amount, decimals)), nil
}

type keyedAccount struct {
	Pubkey  string     `json:"pubkey"`
	Account *uiAccount `json:"account"`
}

func rpcGetTokenAccountsByOwner(c *Cluster, params json.RawMessage) (any, error) {
	var owner string
	var filter struct {
		Mint      string `json:"mint"`
		ProgramID string `json:"programId"`
	}
	var cfg commonConfig
	if err := positional(params, 2, &owner, &filter, &cfg); err != nil {
		return nil, err
	}
	ownerKey, err := parseKey(owner)
	if err != nil {
		return nil, err
	}
	var programs []solana.PublicKey
	var mint *solana.PublicKey
	switch {
	case filter.Mint != "":
		m, err := parseKey(filter.Mint)
		if err != nil {
			return nil, err
		}
		mint = &m
		if acc, ok := c.bank.GetAccount(m); ok && isTokenProgramID(acc.Owner) {
			programs = []solana.PublicKey{acc.Owner}
		} else {
			return nil, invalidParams("Invalid param: could not find mint")
		}
	case filter.ProgramID != "":
		p, err := parseKey(filter.ProgramID)
		if err != nil || !isTokenProgramID(p) {
			return nil, invalidParams("Invalid param: unrecognized Token program id")
		}
		programs = []solana.PublicKey{p}
	default:
		return nil, invalidParams("Invalid params: expected a mint or programId filter")
	}
	out := []keyedAccount{}
	for _, prog := range programs {
		var encErr error
		c.bank.Accounts(prog, func(k solana.PublicKey, a Account) {
			st, ok := parseTokenAccount(a.Data)
			if !ok || st.Owner != ownerKey || (mint != nil && st.Mint != *mint) || encErr != nil {
				return
			}
			ui, err := encodeAccount(a, cfg)
			encErr = err
			out = append(out, keyedAccount{Pubkey: k.String(), Account: ui})
		})
		if encErr != nil {
			return nil, encErr
		}
	}
	return c.ctxValue(out), nil
}

func rpcGetMinimumBalanceForRentExemption(c *Cluster, params json.RawMessage) (any, error) {
	var n int
	var cfg commonConfig
	if err := positional(params, 1, &n, &cfg); err != nil {
		return nil, err
	}
	if n < 0 || n > maxPermittedDataLength {
		return nil, invalidParams("Invalid params: data length out of range")
	}
	return RentExemptMinimum(n), nil
}
