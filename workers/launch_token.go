package workers

// LaunchTokenPayload is the payload of launch_token: create_token_metadata,
// prepare_launch and execute_launch as one job.
type LaunchTokenPayload struct {
	Common
	TokenMetadata
	WalletPlan
	ExecOptions
}

func (p *LaunchTokenPayload) applyDefaults() {
	p.WalletPlan.applyDefaults()
	p.ExecOptions.applyDefaults()
}

// Validate reports every bad field.
func (p *LaunchTokenPayload) Validate() error {
	errs := &FieldErrors{}
	p.validate(errs, true)
	return errs.Err()
}

func (p *LaunchTokenPayload) validate(errs *FieldErrors, imageRequired bool) {
	p.Common.validate(errs)
	p.TokenMetadata.validate(errs, imageRequired)
	p.WalletPlan.validate(errs, false)
	p.ExecOptions.validate(errs)
}

// Queue is "default", with the other launch jobs.
func (p *LaunchTokenPayload) Queue() string { return QueueDefault }
