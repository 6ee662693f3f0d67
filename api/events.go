package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/store"
)

// MaxEventsPage bounds one page of GET /api/jobs/{jobId}/events.
const MaxEventsPage = 1000

// eventView is one stored event of a job: the Socket.IO event name and its payload
// exactly as it was emitted.
type eventView struct {
	Seq       int64           `json:"seq"`
	Name      string          `json:"name"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"createdAt"`
}

// eventsReply is a page of a job's history; next is the `after` of the next page,
// absent on the last one. It is a string: sequence numbers exceed the integers a
// JavaScript number holds exactly.
type eventsReply struct {
	JobID  string      `json:"jobId"`
	Events []eventView `json:"events"`
	Next   string      `json:"next,omitempty"`
}

// jobEvents is GET /api/jobs/{jobId}/events?after=SEQ&limit=N: the job's event
// history from PostgreSQL in emit order (every run), for a replay of the job. Who may
// read it is who may read the job.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jobId")
	if !jobs.ValidID(id) {
		writeError(w, http.StatusNotFound, "job not found")
		return
	}
	after, limit, fields := pageParams(r)
	if len(fields) > 0 {
		writeFields(w, "invalid query", fields)
		return
	}
	job, err := s.deps.Jobs.GetJob(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "job not found")
		return
	} else if err != nil {
		s.unavailable(w, "get job", err)
		return
	}
	if !requireUser(w, r, job.UserID) {
		return
	}
	evs, err := s.deps.Jobs.JobEvents(r.Context(), id, after, limit+1)
	if err != nil {
		s.unavailable(w, "job events", err)
		return
	}
	rep := eventsReply{JobID: id, Events: make([]eventView, 0, min(len(evs), limit))}
	for i, ev := range evs {
		if i == limit {
			rep.Next = strconv.FormatInt(evs[i-1].Seq, 10)
			break
		}
		rep.Events = append(rep.Events, eventView{Seq: ev.Seq, Name: ev.Name, Payload: ev.Payload, CreatedAt: ev.CreatedAt})
	}
	writeJSON(w, http.StatusOK, rep)
}

// pageParams reads `after` (default 0) and `limit` (1..MaxEventsPage, default
// MaxEventsPage).
func pageParams(r *http.Request) (after int64, limit int, fields map[string]string) {
	fields = map[string]string{}
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fields["after"] = "a sequence number >= 0"
		}
		after = n
	}
	limit = MaxEventsPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxEventsPage {
			fields["limit"] = "1..1000"
		}
		limit = n
	}
	return after, limit, fields
}
