package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func newLaunch(token, user string) store.Launch {
	return store.Launch{
		TokenAddress: token, UserID: user, Platform: progress.PlatformPump,
		Name: "Nitro", Symbol: "NTR", JobID: "job-" + token,
	}
}

func TestRegisterAndGetLaunch(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.RegisterLaunch(ctx, newLaunch("T1", "u1")))
	l, err := s.GetLaunch(ctx, "T1")
	must(t, err)
	want := progress.NewLaunchState("T1", progress.PlatformPump, "u1", "Nitro", "NTR", false)
	if l.UserID != "u1" || l.Name != "Nitro" || l.JobID != "job-T1" || l.MintSecret != nil {
		t.Fatalf("launch = %+v", l)
	}
	if got, _ := json.Marshal(l.State); string(got) != string(mustJSON(t, want)) {
		t.Fatalf("state = %s; want %s", got, mustJSON(t, want))
	}
	// Registering again (a retried job) keeps the state and fills a blank URI only.
	must(t, s.UpdateLaunch(ctx, "T1", func(st *progress.LaunchState) error {
		_, _, err := st.Apply(progress.StageCreated, 1)
		return err
	}))
	again := newLaunch("T1", "u1")
	again.MetadataURI = "https://meta/1.json"
	must(t, s.RegisterLaunch(ctx, again))
	l, _ = s.GetLaunch(ctx, "T1")
	if !l.State.Done(progress.StageCreated) || l.MetadataURI != "https://meta/1.json" {
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

func TestUpdateLaunchUnknownAndFnError(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	err := s.UpdateLaunch(ctx, "nope", func(*progress.LaunchState) error { return nil })
	wantErr(t, err, progress.ErrUnknownLaunch)
	wantErr(t, err, store.ErrNotFound)

	must(t, s.RegisterLaunch(ctx, newLaunch("T", "u")))
	boom := errors.New("boom")
	err = s.UpdateLaunch(ctx, "T", func(st *progress.LaunchState) error {
		st.Apply(progress.StageCreated, 1)
		return boom
	})
	wantErr(t, err, boom)
	l, _ := s.GetLaunch(ctx, "T")
	if l.State.Done(progress.StageCreated) {
		t.Fatal("state saved although fn failed")
	}
}

// Twenty workers apply stages to one launch at once; the row lock serialises them, so
// every change survives and each stage is numbered exactly once.
func TestUpdateLaunchSerialisesConcurrentUpdates(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.RegisterLaunch(ctx, newLaunch("T", "u")))
	stages := []progress.Stage{progress.StageCreated, progress.StageLaunched, progress.StageMixingStarted,
		progress.StageMixingCompleted, progress.StageFullyReady}
	var mu sync.Mutex
	var steps []int
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			err := s.UpdateLaunch(ctx, "T", func(st *progress.LaunchState) error {
				st.Symbol += "." // detects a lost update directly
				// The next stage not reached yet, as a real sequence of jobs would.
				next := stages[0]
				for _, stage := range stages {
					if !st.Done(stage) {
						next = stage
						break
					}
				}
				step, ok, err := st.Apply(next, time.Now().UnixMilli())
				if ok {
					mu.Lock()
					steps = append(steps, step)
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l, err := s.GetLaunch(ctx, "T")
	must(t, err)
	if got := len(l.State.Symbol) - len("NTR"); got != 20 {
		t.Errorf("updates kept = %d; want 20 (lost updates)", got)
	}
	slices.Sort(steps)
	if !slices.Equal(steps, []int{1, 2, 3, 4, 5}) || l.State.Events != 5 {
		t.Errorf("step numbers = %v, events = %d", steps, l.State.Events)
	}
	p := l.State.Progress
	if p.CurrentStep != p.TotalSteps || p.TotalSteps != 4 || !p.Stages.Ready.Completed {
		t.Errorf("progress = %+v", p)
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
