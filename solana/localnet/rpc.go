package localnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxRequestBytes caps a JSON-RPC request body.
const MaxRequestBytes = 1 << 20

// JSON-RPC error codes used by solana-validator.
const (
	codeParseError        = -32700
	codeInvalidRequest    = -32600
	codeMethodNotFound    = -32601
	codeInvalidParams     = -32602
	codeInternal          = -32603
	codeBlockNotAvailable = -32004
	codePreflightFailure  = -32002
	codeSigVerifyFailure  = -32003
	codeUnsupportedTxVer  = -32015
	codeMinContextSlot    = -32016
	maxBatch              = 100
)

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (e *rpcError) Error() string { return e.Message }

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

func invalidParams(format string, a ...any) *rpcError {
	return &rpcError{Code: codeInvalidParams, Message: fmt.Sprintf(format, a...)}
}

type rpcMethod func(c *Cluster, params json.RawMessage) (any, error)

// rpcHandler serves Solana JSON-RPC (single and batch requests).
type rpcHandler struct {
	c       *Cluster
	methods map[string]rpcMethod
}

func (h *rpcHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Like solana-validator, any origin may call the RPC (browser wallets, dApps).
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type, solana-client")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method == http.MethodGet && (r.URL.Path == "/health" || r.URL.Path == "/localnet/health") {
		_, _ = io.WriteString(w, "ok")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Used HTTP Method is not allowed. POST or OPTIONS is required", http.StatusMethodNotAllowed)
		return
	}
	if status, fail := h.c.faults.httpFailure(); fail {
		http.Error(w, http.StatusText(status), status)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.dispatchBody(body))
}

func (h *rpcHandler) dispatchBody(body []byte) any {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return errResponse(nil, &rpcError{Code: codeParseError, Message: "Parse error"})
		}
		if len(batch) == 0 || len(batch) > maxBatch {
			return errResponse(nil, &rpcError{Code: codeInvalidRequest, Message: "Invalid request"})
		}
		out := make([]rpcResponse, len(batch))
		for i, item := range batch {
			out[i] = h.dispatchOne(item)
		}
		return out
	}
	return h.dispatchOne(trimmed)
}

func errResponse(id json.RawMessage, e *rpcError) rpcResponse {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	return rpcResponse{JSONRPC: "2.0", Error: e, ID: id}
}

func (h *rpcHandler) dispatchOne(raw []byte) rpcResponse {
	var req rpcRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(raw) {
			return errResponse(nil, &rpcError{Code: codeParseError, Message: "Parse error"})
		}
		return errResponse(nil, &rpcError{Code: codeInvalidRequest, Message: "Invalid request"})
	}
	if req.JSONRPC != "2.0" || req.Method == "" {
		return errResponse(req.ID, &rpcError{Code: codeInvalidRequest, Message: "Invalid request"})
	}
	m, ok := h.methods[req.Method]
	if !ok {
		return errResponse(req.ID, &rpcError{Code: codeMethodNotFound, Message: "Method not found"})
	}
	res, err := h.call(m, req.Params)
	if err != nil {
		var re *rpcError
		if !errors.As(err, &re) {
			re = &rpcError{Code: codeInternal, Message: err.Error()}
		}
		return errResponse(req.ID, re)
	}
	if res == nil {
		res = json.RawMessage("null")
	}
	return rpcResponse{JSONRPC: "2.0", Result: res, ID: req.ID}
}

// call runs a method and turns a panic into an internal error: hostile input
// must never take the cluster down.
func (h *rpcHandler) call(m rpcMethod, params json.RawMessage) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &rpcError{Code: codeInternal, Message: fmt.Sprintf("Internal error: %v", p)}
		}
	}()
	return m(h.c, params)
}

// positional decodes a JSON params array into dst (missing trailing optional
// params are left zero). A params value of null or absent counts as [].
func positional(params json.RawMessage, required int, dst ...any) error {
	var items []json.RawMessage
	if len(params) > 0 && string(params) != "null" {
		if err := json.Unmarshal(params, &items); err != nil {
			return invalidParams("Invalid params: invalid type: expected a sequence")
		}
	}
	if len(items) < required {
		return invalidParams("`params` should have at least %d argument(s)", required)
	}
	if len(items) > len(dst) {
		return invalidParams("Invalid params: invalid length %d, expected at most %d", len(items), len(dst))
	}
	for i, it := range items {
		if string(it) == "null" {
			continue
		}
		if err := json.Unmarshal(it, dst[i]); err != nil {
			return invalidParams("Invalid params: %v.", err)
		}
	}
	return nil
}

// rpcContext is the "context" object of RpcResponse.
type rpcContext struct {
	APIVersion string `json:"apiVersion"`
	Slot       uint64 `json:"slot"`
}

type withContext struct {
	Context rpcContext `json:"context"`
	Value   any        `json:"value"`
}

// APIVersion is reported in every context and by getVersion.
const APIVersion = "2.2.7"

func (c *Cluster) ctxValue(v any) withContext {
	return withContext{Context: rpcContext{APIVersion: APIVersion, Slot: c.bank.Slot()}, Value: v}
}

// commonConfig holds the config keys most methods accept.
type commonConfig struct {
	Commitment     string  `json:"commitment"`
	MinContextSlot *uint64 `json:"minContextSlot"`
	Encoding       string  `json:"encoding"`
	DataSlice      *struct {
		Offset int `json:"offset"`
		Length int `json:"length"`
	} `json:"dataSlice"`
}

func (c *Cluster) checkConfig(cfg commonConfig) error {
	switch cfg.Commitment {
	case "", "processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max":
	default:
		return invalidParams("Invalid params: unknown variant `%s`, expected one of `processed`, `confirmed`, `finalized`.", cfg.Commitment)
	}
	if cfg.MinContextSlot != nil && *cfg.MinContextSlot > c.bank.Slot() {
		return &rpcError{Code: codeMinContextSlot, Message: "Minimum context slot has not been reached",
			Data: map[string]uint64{"contextSlot": c.bank.Slot()}}
	}
	return nil
}
