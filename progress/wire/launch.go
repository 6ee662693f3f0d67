package wire

import "fmt"

// LaunchState is what the launch tracker keeps per token: the LaunchProgress the
// frontend sees plus what is needed to number the launch's lifecycle events across
// jobs (create_token_metadata, prepare_launch and execute_launch each add stages).
type LaunchState struct {
	Progress LaunchProgress `json:"progress"`
	Name     string         `json:"name"`
	Symbol   string         `json:"symbol"`
	// Mixing says whether SOL is mixed to buyer wallets; it decides the step totals.
	Mixing bool `json:"mixing"`
	// Events counts the token_launch_event stages emitted so far (stepNumber of the last).
	Events int `json:"events"`
}

// NewLaunchState starts the state of a launch that has not reached any stage.
func NewLaunchState(token string, platform Platform, userID, name, symbol string, mixing bool) LaunchState {
	s := LaunchState{
		Progress: LaunchProgress{TokenAddress: token, Platform: platform, UserID: userID},
		Name:     name, Symbol: symbol, Mixing: mixing,
	}
	s.recount()
	return s
}

// TotalEvents is TokenLaunchEvent.totalSteps: five stages with mixing, three without.
func (s *LaunchState) TotalEvents() int {
	if s.Mixing {
		return 5
	}
	return 3
}

// SetMixing records whether the launch mixes; prepare_launch decides it after creation.
func (s *LaunchState) SetMixing(on bool) {
	s.Mixing = on
	s.recount()
}

// Done reports whether stage has already been reached, so a retried job does not
// announce it twice.
func (s *LaunchState) Done(stage Stage) bool {
	st := &s.Progress.Stages
	switch stage {
	case StageCreated:
		return st.Creation.Completed
	case StageLaunched:
		return st.Launch.Completed
	case StageMixingStarted:
		return st.Mixing.Timestamp != nil || st.Mixing.Completed
	case StageMixingCompleted:
		return st.Mixing.Completed
	case StageFullyReady:
		return st.Ready.Completed
	}
	return false
}

// Apply marks stage reached at unix-ms time at and returns the event's stepNumber.
// It returns ok=false (and changes nothing) when the stage was already reached.
func (s *LaunchState) Apply(stage Stage, at int64) (step int, ok bool, err error) {
	if !validStage(stage) {
		return 0, false, fmt.Errorf("unknown launch stage %q", stage)
	}
	if s.Done(stage) {
		return s.Events, false, nil
	}
	st := &s.Progress.Stages
	switch stage {
	case StageCreated:
		st.Creation = StageState{Completed: true, Timestamp: Ptr(at)}
	case StageLaunched:
		st.Launch = StageState{Completed: true, Timestamp: Ptr(at)}
	case StageMixingStarted:
		s.Mixing = true
		st.Mixing.Timestamp, st.Mixing.Progress = Ptr(at), Ptr(0)
	case StageMixingCompleted:
		s.Mixing = true
		st.Mixing = MixingState{Completed: true, Timestamp: Ptr(at), Progress: Ptr(100)}
	case StageFullyReady:
		st.Ready = StageState{Completed: true, Timestamp: Ptr(at)}
	}
	s.Events++
	s.recount()
	return s.Events, true, nil
}

// SetMixingProgress moves stages.mixing.progress forward (never back) and reports
// whether it changed.
func (s *LaunchState) SetMixingProgress(pct int) bool {
	pct = clamp(pct, 0, 100)
	m := &s.Progress.Stages.Mixing
	if m.Completed || (m.Progress != nil && *m.Progress >= pct) {
		return false
	}
	m.Progress = Ptr(pct)
	return true
}

// recount derives currentStep/totalSteps from the stages that apply to this launch.
func (s *LaunchState) recount() {
	st := s.Progress.Stages
	done := []bool{st.Creation.Completed, st.Launch.Completed, st.Ready.Completed}
	if s.Mixing {
		done = append(done, st.Mixing.Completed)
	}
	s.Progress.TotalSteps = len(done)
	s.Progress.CurrentStep = 0
	for _, d := range done {
		if d {
			s.Progress.CurrentStep++
		}
	}
}

func validStage(s Stage) bool {
	switch s {
	case StageCreated, StageLaunched, StageMixingStarted, StageMixingCompleted, StageFullyReady:
		return true
	}
	return false
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
