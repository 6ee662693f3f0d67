package workers

import (
	"context"

	"github.com/nitro-runtime/nitro/jobs"
)

func planLaunchDapp(d *Deps, p *jobs.LaunchTokenFromDappPayload) []phase {
	return planLaunch(d, &p.LaunchTokenPayload)
}

func runLaunchTokenFromDapp(ctx context.Context, j *job, p *jobs.LaunchTokenFromDappPayload) (any, error) {
	return j.launchAll(ctx, &p.LaunchTokenPayload, p.MetadataURI)
}
