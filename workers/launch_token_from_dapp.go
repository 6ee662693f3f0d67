package workers

import "context"

// LaunchTokenFromDappPayload is the payload of launch_token_from_dapp: launch_token for
// dApp input, whose metadata may already be hosted (metadataUri in place of image).
type LaunchTokenFromDappPayload struct {
	LaunchTokenPayload
	MetadataURI string `json:"metadataUri,omitempty"`
}

// Validate reports every bad field; exactly one of image and metadataUri is required.
func (p *LaunchTokenFromDappPayload) Validate() error {
	errs := &FieldErrors{}
	p.LaunchTokenPayload.validate(errs, false)
	checkHTTPSURL(errs, "metadataUri", p.MetadataURI, false)
	switch {
	case p.MetadataURI == "" && p.Image == "":
		errs.Add("image", "image or metadataUri is required")
	case p.MetadataURI != "" && p.Image != "":
		errs.Add("metadataUri", "give image or metadataUri, not both")
	}
	return errs.Err()
}

func planLaunchDapp(d *Deps, p *LaunchTokenFromDappPayload) []phase {
	return planLaunch(d, &p.LaunchTokenPayload)
}

func runLaunchTokenFromDapp(ctx context.Context, j *job, p *LaunchTokenFromDappPayload) (any, error) {
	return j.launchAll(ctx, &p.LaunchTokenPayload, p.MetadataURI)
}
