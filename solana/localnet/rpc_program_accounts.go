package localnet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// programAccountsFilter is one getProgramAccounts filter: dataSize or memcmp.
type programAccountsFilter struct {
	DataSize *int `json:"dataSize"`
	Memcmp   *struct {
		Offset   int    `json:"offset"`
		Bytes    string `json:"bytes"`
		Encoding string `json:"encoding"`
	} `json:"memcmp"`
}

// compiledFilter is a decoded filter: a size or bytes at an offset.
type compiledFilter struct {
	size   int
	offset int
	want   []byte
}

func compileFilters(in []programAccountsFilter) ([]compiledFilter, error) {
	if len(in) > 4 {
		return nil, invalidParams("Too many filters provided; max 4")
	}
	out := make([]compiledFilter, 0, len(in))
	for _, f := range in {
		switch {
		case f.DataSize != nil:
			out = append(out, compiledFilter{size: *f.DataSize, offset: -1})
		case f.Memcmp != nil:
			var want []byte
			var err error
			if f.Memcmp.Encoding == "base64" {
				want, err = base64.StdEncoding.DecodeString(f.Memcmp.Bytes)
			} else {
				want, err = base58.Decode(f.Memcmp.Bytes)
			}
			if err != nil || len(want) > 128 || f.Memcmp.Offset < 0 {
				return nil, invalidParams("Invalid param: invalid memcmp filter")
			}
			out = append(out, compiledFilter{size: -1, offset: f.Memcmp.Offset, want: want})
		default:
			return nil, invalidParams("Invalid params: unknown filter")
		}
	}
	return out, nil
}

func (f compiledFilter) match(data []byte) bool {
	if f.offset < 0 {
		return len(data) == f.size
	}
	return f.offset+len(f.want) <= len(data) && bytes.Equal(data[f.offset:f.offset+len(f.want)], f.want)
}

func rpcGetProgramAccounts(c *Cluster, params json.RawMessage) (any, error) {
	var program string
	var cfg struct {
		commonConfig
		Filters     []programAccountsFilter `json:"filters"`
		WithContext bool                    `json:"withContext"`
	}
	if err := positional(params, 1, &program, &cfg); err != nil {
		return nil, err
	}
	owner, err := parseKey(program)
	if err != nil {
		return nil, err
	}
	filters, err := compileFilters(cfg.Filters)
	if err != nil {
		return nil, err
	}
	out := []keyedAccount{}
	var encErr error
	c.bank.Accounts(owner, func(k solana.PublicKey, a Account) {
		for _, f := range filters {
			if !f.match(a.Data) {
				return
			}
		}
		ui, err := encodeAccount(a, cfg.commonConfig)
		if err != nil {
			encErr = err
			return
		}
		out = append(out, keyedAccount{Pubkey: k.String(), Account: ui})
	})
	if encErr != nil {
		return nil, encErr
	}
	if cfg.WithContext {
		return c.ctxValue(out), nil
	}
	return out, nil
}
