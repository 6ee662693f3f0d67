package api_test

import (
	"golang.org/x/time/rate"

	"github.com/nitro-runtime/nitro/api"
)

func apiConfig(limit rate.Limit, burst int) api.Config {
	return api.Config{RateLimit: limit, RateBurst: burst}
}
