// Package progress owns the phase reporter that workers call and the hub that fans its
// events out: to the sockets at once, to PostgreSQL in batches. The wire types it
// reports (and LaunchProgress's stage logic) live in progress/wire, which the store, the
// socket server and the relay import instead of this package; the names below keep the
// workers' code as it was. It does no network I/O: it persists and emits through the
// small interfaces it declares (Emitter, Persister, LaunchLoader).
package progress

import "github.com/nitro-runtime/nitro/progress/wire"

// The wire types, under their names in this package.
type (
	Details             = wire.Details
	LaunchData          = wire.LaunchData
	LaunchProgress      = wire.LaunchProgress
	LaunchState         = wire.LaunchState
	MixingData          = wire.MixingData
	MixingState         = wire.MixingState
	Platform            = wire.Platform
	Stage               = wire.Stage
	StageError          = wire.StageError
	StageState          = wire.StageState
	Stages              = wire.Stages
	Status              = wire.Status
	TokenLaunchEvent    = wire.TokenLaunchEvent
	WorkerProgressEvent = wire.WorkerProgressEvent
	WorkerStepEvent     = wire.WorkerStepEvent
	WorkerType          = wire.WorkerType
)

const (
	LaunchToken          = wire.LaunchToken
	PrepareLaunch        = wire.PrepareLaunch
	ExecuteLaunch        = wire.ExecuteLaunch
	DevSell              = wire.DevSell
	WalletSell           = wire.WalletSell
	CreateTokenMetadata  = wire.CreateTokenMetadata
	LaunchTokenFromDapp  = wire.LaunchTokenFromDapp
	SweepWallets         = wire.SweepWallets
	StatusStarted        = wire.StatusStarted
	StatusInProgress     = wire.StatusInProgress
	StatusCompleted      = wire.StatusCompleted
	StatusFailed         = wire.StatusFailed
	PlatformPump         = wire.PlatformPump
	PlatformBonk         = wire.PlatformBonk
	EventWorkerProgress  = wire.EventWorkerProgress
	EventWorkerStep      = wire.EventWorkerStep
	EventTokenLaunch     = wire.EventTokenLaunch
	EventLaunchProgress  = wire.EventLaunchProgress
	StageCreated         = wire.StageCreated
	StageLaunched        = wire.StageLaunched
	StageMixingStarted   = wire.StageMixingStarted
	StageMixingCompleted = wire.StageMixingCompleted
	StageFullyReady      = wire.StageFullyReady
)

var (
	WorkerTypes    = wire.WorkerTypes
	NewLaunchState = wire.NewLaunchState
)

// Record is one event as the hub emits and persists it (see wire.Record).
type Record = wire.Record

// Ptr returns a pointer to v, for the optional numeric fields.
func Ptr[T any](v T) *T { return &v }
