package main

import (
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/nitro-runtime/nitro/api"
)

// limits are the request budgets of the enqueue and wallet routes and the socket caps.
// A zero Rate or count is the owning package's default.
type limits struct {
	EnqueuePerKey, EnqueuePerUser api.Rate
	WalletsPerKey, WalletsPerUser api.Rate
	// SocketsPerUser and SubscriptionsPerSocket: -1 is no cap (socketio's negative).
	SocketsPerUser, SubscriptionsPerSocket int
}

const rateSyntax = `must be a rate like "2/s", "30/m" or "100/h", with an optional burst after a comma ("2/s,20"), or "off"`

func (l *limits) load(get func(string) string) []error {
	var errs []error
	for _, v := range []struct {
		name string
		dst  *api.Rate
	}{{"NITRO_RATE_ENQUEUE_PER_KEY", &l.EnqueuePerKey}, {"NITRO_RATE_ENQUEUE_PER_USER", &l.EnqueuePerUser},
		{"NITRO_RATE_WALLETS_PER_KEY", &l.WalletsPerKey}, {"NITRO_RATE_WALLETS_PER_USER", &l.WalletsPerUser}} {
		if raw := get(v.name); raw != "" {
			r, ok := parseRate(raw)
			if !ok {
				errs = append(errs, &badVar{v.name, rateSyntax})
			}
			*v.dst = r
		}
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"NITRO_SOCKETS_PER_USER", &l.SocketsPerUser}, {"NITRO_SUBSCRIPTIONS_PER_SOCKET", &l.SubscriptionsPerSocket}} {
		switch raw := get(v.name); raw {
		case "":
		case "off", "0":
			*v.dst = -1
		default:
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 1_000_000 {
				errs = append(errs, &badVar{v.name, `must be an integer from 1 to 1000000, or "off"`})
			}
			*v.dst = n
		}
	}
	return errs
}

// parseRate reads "N/UNIT[,BURST]" (UNIT s, m or h); without a burst the bucket holds
// one UNIT's worth (at least 1). "off" and "0" are api.Unlimited.
func parseRate(v string) (api.Rate, bool) {
	if v == "off" || v == "0" {
		return api.Unlimited, true
	}
	spec, burstText, hasBurst := strings.Cut(v, ",")
	n, unit, ok := strings.Cut(strings.TrimSpace(spec), "/")
	f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if !ok || err != nil || f <= 0 || f > 1e6 {
		return api.Rate{}, false
	}
	var per time.Duration
	switch strings.TrimSpace(unit) {
	case "s":
		per = time.Second
	case "m", "min":
		per = time.Minute
	case "h":
		per = time.Hour
	default:
		return api.Rate{}, false
	}
	r := api.Rate{Limit: rate.Limit(f / per.Seconds()), Burst: max(1, int(math.Ceil(f)))}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burstText))
		if err != nil || b < 1 || b > 1_000_000 {
			return api.Rate{}, false
		}
		r.Burst = b
	}
	return r, true
}
