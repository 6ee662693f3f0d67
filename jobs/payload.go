// Package jobs is the contract of the eight job types (the external contract's seven
// and sweep_wallets): their payloads, strict decoding that names every bad field, the
// queue each type goes to, and Enqueue, the one way a job is put into asynq, used by the HTTP API and the CLI
// alike. It imports neither workers nor api: both import it.
package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nitro-runtime/nitro/internal/strictjson"
	"github.com/nitro-runtime/nitro/progress"
)

// MaxPayloadBytes caps a job payload: the largest legitimate one is a launch with a
// small data: URI image; anything bigger is refused before it is parsed.
const MaxPayloadBytes = 64 << 10

// Queue names. Sells are time-critical (a price moves while they wait), metadata
// uploads can wait behind launches.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// QueuePriorities are the weights an asynq server should give the three queues.
var QueuePriorities = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// DefaultSlippageBps applies when a payload leaves slippageBps out.
const DefaultSlippageBps = 500

// Payload is a decoded, validated job payload.
type Payload interface {
	// UserID is the owner of the job (payload field userId).
	UserID() string
	// ChatID is userChatId, 0 when absent.
	ChatID() int64
	// Validate reports every bad field as a *FieldErrors.
	Validate() error
	// Queue is the asynq queue the job goes to.
	Queue() string
}

// Decoding errors that are not about one field.
var (
	ErrUnknownType = errors.New("unknown job type")
	ErrTooLarge    = fmt.Errorf("payload larger than %d bytes", MaxPayloadBytes)
	ErrInvalidJSON = errors.New("invalid JSON")
)

// FieldErrors names each bad field (JSON-pointer-ish: buyerWallets[2].publicKey) with
// what is wrong with it.
type FieldErrors struct {
	Fields map[string]string
}

// Error lists the fields in a stable order.
func (e *FieldErrors) Error() string {
	keys := slices.Sorted(maps.Keys(e.Fields))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid payload: " + strings.Join(parts, "; ")
}

// Add records msg for field, keeping the first message a field got.
func (e *FieldErrors) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// Err returns e, or nil when no field was bad (so Validate can `return errs.Err()`).
func (e *FieldErrors) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// newPayload returns an empty payload of typ.
func newPayload(typ progress.WorkerType) (Payload, bool) {
	switch typ {
	case progress.CreateTokenMetadata:
		return &CreateTokenMetadataPayload{}, true
	case progress.PrepareLaunch:
		return &PrepareLaunchPayload{}, true
	case progress.ExecuteLaunch:
		return &ExecuteLaunchPayload{}, true
	case progress.LaunchToken:
		return &LaunchTokenPayload{}, true
	case progress.LaunchTokenFromDapp:
		return &LaunchTokenFromDappPayload{}, true
	case progress.DevSell:
		return &DevSellPayload{}, true
	case progress.WalletSell:
		return &WalletSellPayload{}, true
	case progress.SweepWallets:
		return &SweepWalletsPayload{}, true
	}
	return nil, false
}

// QueueOf returns the queue of job type typ, or "" for an unknown type.
func QueueOf(typ progress.WorkerType) string {
	p, ok := newPayload(typ)
	if !ok {
		return ""
	}
	return p.Queue()
}

// defaulter is implemented by payloads with optional fields that have defaults.
type defaulter interface{ applyDefaults() }

// Decode parses body as the payload of job type typ, strictly: one JSON object, no
// unknown, duplicate or differently-cased keys, no trailing data, right types, at most
// MaxPayloadBytes; then it applies defaults and validates. Errors are ErrUnknownType,
// ErrTooLarge, ErrInvalidJSON (wrapped) or *FieldErrors.
func Decode(typ progress.WorkerType, body []byte) (Payload, error) {
	p, ok := newPayload(typ)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if len(body) > MaxPayloadBytes {
		return nil, ErrTooLarge
	}
	if err := strictjson.Decode(body, p); err != nil {
		return nil, decodeError(err)
	}
	if d, ok := p.(defaulter); ok {
		d.applyDefaults()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Encode is the task payload of p: compact JSON without HTML escaping, so it stays
// within MaxPayloadBytes when the request did, and decodes back to an equal payload.
func Encode(p Payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeError maps strictjson's errors onto ours: each named field into *FieldErrors,
// anything else into ErrInvalidJSON.
func decodeError(err error) error {
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %s", ErrInvalidJSON, strings.TrimPrefix(err.Error(), strictjson.ErrSyntax.Error()+": "))
	}
	fe := &FieldErrors{}
	for _, f := range se.Fields {
		fe.Add(f.Field, f.Problem)
	}
	return fe
}

// Common holds the fields every payload has.
type Common struct {
	// User is the owner's id (userId): the wallets named must be registered to them.
	User string `json:"userId"`
	// UserChatID is echoed in events (the Telegram chat to answer in).
	UserChatID *int64 `json:"userChatId,omitempty"`
}

// UserID returns the payload's userId.
func (c *Common) UserID() string { return c.User }

// ChatID returns userChatId, 0 when absent.
func (c *Common) ChatID() int64 {
	if c.UserChatID == nil {
		return 0
	}
	return *c.UserChatID
}

func (c *Common) validate(errs *FieldErrors) {
	checkUserID(errs, "userId", c.User)
}
