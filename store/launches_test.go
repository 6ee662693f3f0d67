package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func newLaunch(token, user string) store.Launch {
	return store.Launch{
		TokenAddress: token, UserID: user, Platform: wire.PlatformPump,
		Name: "Nitro", Symbol: "NTR", JobID: "job-" + token,
	}
}

func TestRegisterAndGetLaunch(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.RegisterLaunch(ctx, newLaunch("T1", "u1")))
	l, err := s.GetLaunch(ctx, "T1")
	must(t, err)
	want := wire.NewLaunchState("T1", wire.PlatformPump, "u1", "Nitro", "NTR", false)
	if l.UserID != "u1" || l.Name != "Nitro" || l.JobID != "job-T1" || l.MintSecret != nil {
		t.Fatalf("launch = %+v", l)
	}
	if got, _ := json.Marshal(l.State); string(got) != string(mustJSON(t, want)) {
		t.Fatalf("state = %s; want %s", got, mustJSON(t, want))
	}
	// Registering again (a retried job) keeps the state and fills a blank URI only.
	row, err := s.LoadLaunch(ctx, "T1")
	must(t, err)
	_, _, err = row.State.Apply(wire.StageCreated, 1)
	must(t, err)
	row.Version++
	must(t, s.Persist(ctx, wire.Batch{Launches: []wire.LaunchRow{row}}))
	again := newLaunch("T1", "u1")
	again.MetadataURI = "https://meta/1.json"
	must(t, s.RegisterLaunch(ctx, again))
	l, _ = s.GetLaunch(ctx, "T1")
	if !l.State.Done(wire.StageCreated) || l.MetadataURI != "https://meta/1.json" {
		t.Fatalf("re-register lost state or uri: %+v", l)
	}
	wantErr(t, s.RegisterLaunch(ctx, newLaunch("T1", "intruder")), store.ErrConflict)
	_, err = s.GetLaunch(ctx, "T404")
	wantErr(t, err, store.ErrNotFound)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

func TestLaunchSetters(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.RegisterLaunch(ctx, newLaunch("T", "u")))
	must(t, s.SetMetadataURI(ctx, "T", "ipfs://x"))
	must(t, s.SetLaunchResult(ctx, "T", json.RawMessage(`{"signatures":{"create":"sig"}}`)))
	l, _ := s.GetLaunch(ctx, "T")
	if l.MetadataURI != "ipfs://x" || string(l.Result) != `{"signatures": {"create": "sig"}}` {
		t.Fatalf("launch = %+v result %s", l, l.Result)
	}
	wantErr(t, s.SetMetadataURI(ctx, "nope", "x"), store.ErrNotFound)
	wantErr(t, s.SetLaunchResult(ctx, "nope", json.RawMessage(`{}`)), store.ErrNotFound)
}

func TestListUserLaunchesNewestFirst(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	for i := range 4 {
		must(t, s.RegisterLaunch(ctx, newLaunch(fmt.Sprintf("T%d", i), "u")))
		must(t, s.Exec(ctx, `UPDATE launches SET created_at = now() - make_interval(mins => $2) WHERE token_address = $1`,
			fmt.Sprintf("T%d", i), 10-i))
	}
	must(t, s.RegisterLaunch(ctx, newLaunch("other", "u2")))
	ls, err := s.ListUserLaunches(ctx, "u", 3)
	must(t, err)
	var got []string
	for _, l := range ls {
		got = append(got, l.TokenAddress)
	}
	if !slices.Equal(got, []string{"T3", "T2", "T1"}) {
		t.Fatalf("launches = %v", got)
	}
}

// The hub reads a launch's state with LoadLaunch and writes it back with Persist; an
// unregistered launch is not found, and a row for one creates nothing.
func TestLoadAndPersistLaunchState(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	_, err := s.LoadLaunch(ctx, "nope")
	wantErr(t, err, wire.ErrUnknownLaunch)
	wantErr(t, err, store.ErrNotFound)

	must(t, s.RegisterLaunch(ctx, newLaunch("T", "u")))
	row, err := s.LoadLaunch(ctx, "T")
	must(t, err)
	if row.Version != 0 {
		t.Fatalf("fresh launch at version %d", row.Version)
	}
	var versions []wire.LaunchRow
	for _, stage := range []wire.Stage{wire.StageCreated, wire.StageMixingStarted} {
		if _, ok, err := row.State.Apply(stage, time.Now().UnixMilli()); !ok || err != nil {
			t.Fatalf("apply %s: %v %v", stage, ok, err)
		}
		row.Version++
		versions = append(versions, row)
	}
	must(t, s.Persist(ctx, wire.Batch{Launches: []wire.LaunchRow{versions[1], {TokenAddress: "nope", Version: 1}}}))
	// A write of an earlier version, arriving late, does not take the launch back.
	must(t, s.Persist(ctx, wire.Batch{Launches: []wire.LaunchRow{versions[0]}}))
	got, err := s.LoadLaunch(ctx, "T")
	must(t, err)
	if got.Version != 2 || got.State.Events != 2 || !got.State.Done(wire.StageMixingStarted) || !got.State.Mixing ||
		got.State.Progress.TotalSteps != 4 {
		t.Fatalf("loaded = %+v", got)
	}
	if _, err := s.LoadLaunch(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a row for an unregistered launch created one: %v", err)
	}
}

func TestMintSecret(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	mint := keypair(t)
	token := base58.Encode(mint[32:])
	l := newLaunch(token, "u")
	l.MintSecret = store.Secret(mint)
	must(t, s.RegisterLaunch(ctx, l))
	got, err := s.MintSecret(ctx, token)
	must(t, err)
	if string(got) != string(mint) {
		t.Fatal("mint secret round trip differs")
	}
	// A keypair that is not the token's is refused.
	bad := newLaunch("SomeOtherToken", "u")
	bad.MintSecret = store.Secret(keypair(t))
	wantErr(t, s.RegisterLaunch(ctx, bad), store.ErrInvalidKey)
	// No secret stored, or no launch: not found.
	must(t, s.RegisterLaunch(ctx, newLaunch("Plain", "u")))
	_, err = s.MintSecret(ctx, "Plain")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.MintSecret(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
	// A sealed secret copied to another launch's row does not open there.
	must(t, s.Exec(ctx, `UPDATE launches SET mint_secret = (SELECT mint_secret FROM launches WHERE token_address = $1)
		WHERE token_address = 'Plain'`, token))
	_, err = s.MintSecret(ctx, "Plain")
	wantErr(t, err, store.ErrUnseal)
}

func TestLaunchJSONHasNoSecret(t *testing.T) {
	t.Parallel()
	mint := keypair(t)
	l := newLaunch("T", "u")
	l.MintSecret = store.Secret(mint)
	b, err := json.Marshal(l)
	must(t, err)
	text := string(b) + fmt.Sprintf("%v %+v %x %s", l, l, l.MintSecret, l.MintSecret)
	assertNoSecret(t, text, mint)
}
