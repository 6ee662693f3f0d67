package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// Launch listing bounds.
const (
	DefaultLaunchLimit = 50
	MaxLaunchLimit     = 200
)

// launchReply is a launch record with its LaunchProgress.
type launchReply struct {
	TokenAddress string                  `json:"tokenAddress"`
	UserID       string                  `json:"userId"`
	Platform     progress.Platform       `json:"platform"`
	Name         string                  `json:"name"`
	Symbol       string                  `json:"symbol"`
	MetadataURI  string                  `json:"metadataUri"`
	JobID        string                  `json:"jobId"`
	Mixing       bool                    `json:"mixing"`
	Progress     progress.LaunchProgress `json:"progress"`
	Result       any                     `json:"result,omitempty"`
	CreatedAt    time.Time               `json:"createdAt"`
	UpdatedAt    time.Time               `json:"updatedAt"`
}

func toLaunchReply(l store.Launch) launchReply {
	rep := launchReply{TokenAddress: l.TokenAddress, UserID: l.UserID, Platform: l.Platform, Name: l.Name,
		Symbol: l.Symbol, MetadataURI: l.MetadataURI, JobID: l.JobID, Mixing: l.Mixing, Progress: l.State.Progress,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
	if len(l.Result) > 0 {
		rep.Result = redactJSON(l.Result)
	}
	return rep
}

func (s *Server) getLaunch(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("tokenAddress")
	if !jobs.ValidPublicKey(token) {
		writeError(w, http.StatusNotFound, "launch not found")
		return
	}
	l, err := s.deps.Launches.GetLaunch(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "launch not found")
		return
	} else if err != nil {
		s.unavailable(w, "get launch", err)
		return
	}
	if !requireUser(w, r, l.UserID) {
		return
	}
	writeJSON(w, http.StatusOK, toLaunchReply(l))
}

// userLaunches lists a user's launches, newest first; ?limit=1..200.
func (s *Server) userLaunches(w http.ResponseWriter, r *http.Request) {
	userID := r.PathValue("userId")
	if !jobs.ValidUserID(userID) {
		writeFields(w, "invalid userId", map[string]string{"userId": "1..128 characters of A-Z a-z 0-9 - _ . : @"})
		return
	}
	if !requireUser(w, r, userID) {
		return
	}
	limit, ok := parseLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	ls, err := s.deps.Launches.ListUserLaunches(r.Context(), userID, limit)
	if err != nil {
		s.unavailable(w, "list launches", err)
		return
	}
	out := make([]launchReply, len(ls))
	for i, l := range ls {
		out[i] = toLaunchReply(l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"userId": userID, "launches": out})
}

func parseLimit(w http.ResponseWriter, v string) (int, bool) {
	if v == "" {
		return DefaultLaunchLimit, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLaunchLimit {
		writeFields(w, "invalid query", map[string]string{"limit": "must be an integer 1..200"})
		return 0, false
	}
	return n, true
}
