package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// localRedis is where serve looks for Redis when REDIS_URL is unset (a var for tests).
var localRedis = "redis://127.0.0.1:6379/0"

// broker is the Redis asynq runs on, and how to release it.
type broker struct {
	opt      asynq.RedisConnOpt
	embedded *miniredis.Miniredis
	desc     string // for logs and /health, without credentials
}

func (b *broker) Close() {
	if b.embedded != nil {
		b.embedded.Close()
	}
}

// client returns a go-redis client for health checks.
func (b *broker) client() redis.UniversalClient {
	return b.opt.MakeRedisClient().(redis.UniversalClient)
}

// connectBroker honours REDIS_URL when set (unreachable = start-up error). Unset, it
// uses a local Redis when one answers and otherwise falls back to an embedded
// miniredis, where asynq's whole cycle passes with ClockTTL on.
func connectBroker(ctx context.Context, c *config, allowEmbedded bool, log zerolog.Logger) (*broker, error) {
	raw := c.RedisURL
	if raw == "" {
		raw = localRedis
	}
	opt, err := parseRedisURL(raw)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	b := &broker{opt: opt, desc: redactURL(raw)}
	pingErr := ping(ctx, b)
	switch {
	case pingErr == nil:
		return b, nil
	case c.RedisExplicit || !allowEmbedded:
		return nil, fmt.Errorf("redis at %s is unreachable (REDIS_URL): %w; start Redis or fix REDIS_URL", b.desc, pingErr)
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	log.Warn().Str("addr", m.Addr()).Msg("NO REDIS FOUND: running on an EMBEDDED in-memory Redis (miniredis). Jobs are lost on exit. Set REDIS_URL for real use.")
	return &broker{opt: asynq.RedisClientOpt{Addr: m.Addr()}, embedded: m, desc: "embedded miniredis " + m.Addr()}, nil
}

func ping(ctx context.Context, b *broker) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cl := b.client()
	defer cl.Close()
	return cl.Ping(ctx).Err()
}

// parseRedisURL accepts redis://, rediss://, redis+sentinel://[:pw@]host1,host2/master[/db]
// and redis+cluster://host1,host2.
func parseRedisURL(raw string) (asynq.RedisConnOpt, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL")
	}
	pw, _ := u.User.Password()
	hosts := strings.Split(u.Host, ",")
	switch u.Scheme {
	case "redis", "rediss", "unix":
		return asynq.ParseRedisURI(raw)
	case "redis+sentinel":
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if parts[0] == "" {
			return nil, fmt.Errorf("redis+sentinel URL needs the master name as its path")
		}
		return asynq.RedisFailoverClientOpt{MasterName: parts[0], SentinelAddrs: hosts, Password: pw}, nil
	case "redis+cluster":
		return asynq.RedisClusterClientOpt{Addrs: hosts, Password: pw}, nil
	}
	return nil, fmt.Errorf("unsupported scheme %q", u.Scheme)
}

// relayChannel is the progress pub/sub channel of the processes sharing this broker.
// Pub/sub ignores database numbers, so the number is part of the name: deployments
// (and test packages) on different databases of one Redis stay apart.
func relayChannel(opt asynq.RedisConnOpt) string {
	switch o := opt.(type) {
	case asynq.RedisClientOpt:
		return fmt.Sprintf("nitro:progress:db%d", o.DB)
	case asynq.RedisFailoverClientOpt:
		return fmt.Sprintf("nitro:progress:db%d", o.DB)
	}
	return "nitro:progress"
}

// redactURL drops the password from a URL before it is logged or shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
