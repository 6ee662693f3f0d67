package wire

import "testing"

func TestLaunchStagesInRealOrder(t *testing.T) {
	s := NewLaunchState("M", PlatformPump, "u1", "N", "S", true)
	if s.Progress.TotalSteps != 4 || s.TotalEvents() != 5 {
		t.Fatalf("totals = %d/%d, want 4/5", s.Progress.TotalSteps, s.TotalEvents())
	}
	// prepare_launch mixes before execute_launch creates the token: numbering follows reality.
	order := []Stage{StageCreated, StageMixingStarted, StageMixingCompleted, StageLaunched, StageFullyReady}
	for i, st := range order {
		step, ok, err := s.Apply(st, int64(1000+i))
		if err != nil || !ok || step != i+1 {
			t.Fatalf("Apply(%s) = %d,%v,%v; want %d,true,nil", st, step, ok, err, i+1)
		}
	}
	if s.Progress.CurrentStep != 4 {
		t.Fatalf("currentStep = %d, want 4", s.Progress.CurrentStep)
	}
	if m := s.Progress.Stages.Mixing; !m.Completed || *m.Progress != 100 {
		t.Fatalf("mixing = %+v", m)
	}
}

func TestLaunchStageRepeatIsIgnored(t *testing.T) {
	s := NewLaunchState("M", PlatformBonk, "u1", "N", "S", false)
	if _, ok, _ := s.Apply(StageCreated, 1); !ok {
		t.Fatal("first created refused")
	}
	step, ok, _ := s.Apply(StageCreated, 2)
	if ok || step != 1 || *s.Progress.Stages.Creation.Timestamp != 1 {
		t.Fatalf("repeat created changed state: step=%d ok=%v %+v", step, ok, s.Progress.Stages.Creation)
	}
	if _, _, err := s.Apply("exploded", 3); err == nil {
		t.Fatal("unknown stage accepted")
	}
}

func TestMixingProgressOnlyMovesForward(t *testing.T) {
	s := NewLaunchState("M", PlatformPump, "u1", "N", "S", true)
	_, _, _ = s.Apply(StageMixingStarted, 1)
	if !s.SetMixingProgress(50) || s.SetMixingProgress(40) || s.SetMixingProgress(50) {
		t.Fatal("mixing progress must only increase")
	}
	if !s.SetMixingProgress(500) || *s.Progress.Stages.Mixing.Progress != 100 {
		t.Fatal("mixing progress not clamped to 100")
	}
}

func TestNoMixingTotals(t *testing.T) {
	s := NewLaunchState("M", PlatformPump, "u1", "N", "S", false)
	for _, st := range []Stage{StageCreated, StageLaunched, StageFullyReady} {
		_, _, _ = s.Apply(st, 1)
	}
	if s.Progress.CurrentStep != 3 || s.Progress.TotalSteps != 3 || s.Events != 3 {
		t.Fatalf("progress = %+v events=%d", s.Progress, s.Events)
	}
	s.SetMixing(true)
	if s.Progress.TotalSteps != 4 || s.TotalEvents() != 5 {
		t.Fatal("SetMixing did not recount")
	}
}
