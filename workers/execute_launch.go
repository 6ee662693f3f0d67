package workers

import (
	"context"
	"errors"
	"fmt"
)

// ExecOptions are the knobs of the create + buy transactions; shared by execute_launch
// and the one-job launches.
type ExecOptions struct {
	DevBuySol                float64 `json:"devBuySol"`
	SlippageBps              *int    `json:"slippageBps,omitempty"` // DefaultSlippageBps when left out
	PriorityFeeMicroLamports uint64  `json:"priorityFeeMicroLamports,omitempty"`
	Bundle                   bool    `json:"bundle,omitempty"` // one Jito bundle for create + buys
}

// ErrNoBlockEngine refuses `bundle: true` when no block engine is configured.
var ErrNoBlockEngine = errors.New("no block engine is configured (JITO_BLOCK_ENGINE_URL): send without bundle")

// WantsBundle reports a payload that asks for a Jito bundle.
func WantsBundle(p Payload) bool {
	b, ok := p.(interface{ bundled() bool })
	return ok && b.bundled()
}

func (o *ExecOptions) bundled() bool { return o.Bundle }

// Slippage returns slippageBps, DefaultSlippageBps when absent.
func (o *ExecOptions) Slippage() int { return slippageOr(o.SlippageBps) }

func (o *ExecOptions) applyDefaults() { o.SlippageBps = defaultSlippage(o.SlippageBps) }

func (o *ExecOptions) validate(errs *FieldErrors) {
	checkSol(errs, "devBuySol", o.DevBuySol)
	checkSlippage(errs, o.SlippageBps)
	if o.PriorityFeeMicroLamports > MaxPriorityFee {
		errs.Add("priorityFeeMicroLamports", fmt.Sprintf("at most %d", MaxPriorityFee))
	}
}

func slippageOr(v *int) int {
	if v == nil {
		return DefaultSlippageBps
	}
	return *v
}

func defaultSlippage(v *int) *int {
	if v == nil {
		d := DefaultSlippageBps
		return &d
	}
	return v
}

// ExecuteLaunchPayload is the payload of execute_launch: create the token with the dev
// buy, then the buyer buys, and confirm them all.
type ExecuteLaunchPayload struct {
	Common
	TokenAddress string `json:"tokenAddress"`
	ExecOptions
}

func (p *ExecuteLaunchPayload) applyDefaults() { p.ExecOptions.applyDefaults() }

// Validate reports every bad field.
func (p *ExecuteLaunchPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, true)
	p.ExecOptions.validate(errs)
	return errs.Err()
}

// Queue is "default", with the other launch jobs.
func (p *ExecuteLaunchPayload) Queue() string { return QueueDefault }

func planExecute(*Deps, *ExecuteLaunchPayload) []phase { return []phase{phCreate, phBuys} }

func runExecuteLaunch(ctx context.Context, j *job, p *ExecuteLaunchPayload) (any, error) {
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	return j.execute(ctx, l, p.ExecOptions)
}
