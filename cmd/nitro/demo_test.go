package main

import (
	"testing"

	"github.com/nitro-runtime/nitro/solana/localnet"
)

// TestDemoOnlyInDevelopmentOnTheBuiltinCluster: the demo signs tokens for anyone,
// so it must not exist in production or against a real chain.
func TestDemoOnlyInDevelopmentOnTheBuiltinCluster(t *testing.T) {
	builtin := &chain{cluster: &localnet.Cluster{}}
	real := &chain{}
	for _, c := range []struct {
		env   string
		chain *chain
		want  bool
	}{
		{"development", builtin, true},
		{"development", real, false},
		{"production", builtin, false},
		{"production", real, false},
	} {
		a := &app{cfg: &config{Env: c.env, APIKeys: []string{"k"}}, chain: c.chain}
		if got := a.newDemo() != nil; got != c.want {
			t.Errorf("%s, built-in cluster %v: demo %v, want %v", c.env, c.chain.cluster != nil, got, c.want)
		}
	}
}
