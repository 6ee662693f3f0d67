package workers

import (
	"context"

	"github.com/nitro-runtime/nitro/jobs"
)

func planExecute(*Deps, *jobs.ExecuteLaunchPayload) []phase { return []phase{phCreate, phBuys} }

func runExecuteLaunch(ctx context.Context, j *job, p *jobs.ExecuteLaunchPayload) (any, error) {
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	return j.execute(ctx, l, p.ExecOptions)
}
