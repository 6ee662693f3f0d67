package solana

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coder/websocket"
	sol "github.com/gagliardetto/solana-go"
)

// A minimal signatureSubscribe client over github.com/coder/websocket: one
// connection per watched signature, closed when the outcome is known. (solana-go's ws
// package needs modules this build does not carry, and one short-lived connection per
// in-flight transaction is cheap at our volumes.)

type wsMessage struct {
	ID     *int            `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Method string `json:"method"`
	Params struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Subscription uint64 `json:"subscription"`
	} `json:"params"`
}

// watchWS subscribes to sig; the channel yields the outcome once, or is closed
// without a value when the subscription cannot be made or breaks.
func (c *Client) watchWS(ctx context.Context, sig sol.Signature, programs []sol.PublicKey) (<-chan error, context.CancelFunc) {
	if c.cfg.WSURL == "" {
		return nil, func() {}
	}
	ch := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(ch)
		if out, err := c.subscribeSignature(wctx, sig, programs); err == nil {
			ch <- out.err
		}
	}()
	return ch, cancel
}

// sigOutcome is a transaction's outcome: nil err = success, else its *TxError.
type sigOutcome struct{ err error }

// subscribeSignature returns the transaction's outcome, or an error of the WS itself.
func (c *Client) subscribeSignature(ctx context.Context, sig sol.Signature, programs []sol.PublicKey) (sigOutcome, error) {
	conn, _, err := websocket.Dial(ctx, c.cfg.WSURL, nil)
	if err != nil {
		return sigOutcome{}, fmt.Errorf("ws dial: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	req := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"signatureSubscribe","params":[%q,{"commitment":%q}]}`,
		sig.String(), c.cfg.Commitment)
	if err := conn.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
		return sigOutcome{}, fmt.Errorf("ws subscribe: %w", err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return sigOutcome{}, fmt.Errorf("ws read: %w", err)
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return sigOutcome{}, fmt.Errorf("ws decode: %w", err)
		}
		if m.Error != nil {
			return sigOutcome{}, fmt.Errorf("ws subscribe: rpc %d %s", m.Error.Code, m.Error.Message)
		}
		if m.Method != "signatureNotification" {
			continue // the subscription id reply
		}
		done, outcome := signatureOutcome(m.Params.Result.Value, programs)
		if done {
			conn.Close(websocket.StatusNormalClosure, "")
			return sigOutcome{outcome}, nil
		}
	}
}

// signatureOutcome decodes a notification value: {"err": null | <TransactionError>};
// the string "receivedSignature" (enableReceivedNotification) is not an outcome.
func signatureOutcome(raw json.RawMessage, programs []sol.PublicKey) (bool, error) {
	if strings.HasPrefix(strings.TrimSpace(string(raw)), `"`) {
		return false, nil
	}
	var v struct {
		Err any `json:"err"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false, nil
	}
	if v.Err == nil {
		return true, nil
	}
	return true, ClassifyTxErr(v.Err, programs, nil)
}
