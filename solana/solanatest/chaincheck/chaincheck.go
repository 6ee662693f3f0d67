// Package chaincheck is the chain check a user can run against devnet in minutes
// (`make check/devnet`): the chain client's conformance suite of solanatest
// (transfers, lookup tables, the mixer and its sweep) plus a pump create_v2, buy and
// sell. The same Exercise runs against the built-in cluster in the tests of
// solana/localnet, so neither side drifts. It is used only from tests.
package chaincheck

import (
	"context"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

const sol1 = 1_000_000_000

// Exercise runs solanatest's suite, then the pump trades.
func Exercise(t *testing.T, newClient solanatest.NewClient, fund solanatest.Fund) {
	solanatest.Exercise(t, newClient, fund)
	t.Run("PumpCreateBuySell", func(t *testing.T) { testPump(t, newClient(t), fund) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// balance is solanatest.Balance, under the short name the checks use.
var balance = solanatest.Balance
