// Package wire holds what the progress pipeline hands from one package to the next:
// the live-progress wire types of the frontend guide (Go structs whose JSON is exactly
// its TypeScript interfaces), the LaunchProgress stage logic, and the typed records and
// rows the hub gives the sockets, the relay and the store. It imports nothing of ours,
// so the store, the socket server and the relay depend on these types and not on the
// hub that produces them.
package wire

// WorkerType is the asynq task type of one of the eight workers.
type WorkerType string

// The seven job types of the external contract, and sweep_wallets (added by the
// runtime: see the README's differences from the contract).
const (
	LaunchToken         WorkerType = "launch_token"
	PrepareLaunch       WorkerType = "prepare_launch"
	ExecuteLaunch       WorkerType = "execute_launch"
	DevSell             WorkerType = "dev_sell"
	WalletSell          WorkerType = "wallet_sell"
	CreateTokenMetadata WorkerType = "create_token_metadata"
	LaunchTokenFromDapp WorkerType = "launch_token_from_dapp"
	SweepWallets        WorkerType = "sweep_wallets"
)

// WorkerTypes lists the eight job types in a stable order.
var WorkerTypes = []WorkerType{
	LaunchToken, PrepareLaunch, ExecuteLaunch, DevSell, WalletSell, CreateTokenMetadata, LaunchTokenFromDapp,
	SweepWallets,
}

// Valid reports whether t is one of the eight job types.
func (t WorkerType) Valid() bool {
	for _, w := range WorkerTypes {
		if w == t {
			return true
		}
	}
	return false
}

// Status is WorkerProgressEvent.status.
type Status string

// The four statuses of the seed's WorkerProgressEvent.
const (
	StatusStarted    Status = "started"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
)

// Terminal reports whether s ends a run.
func (s Status) Terminal() bool { return s == StatusCompleted || s == StatusFailed }

// Platform is "pump" or "bonk".
type Platform string

// The two launchpads.
const (
	PlatformPump Platform = "pump"
	PlatformBonk Platform = "bonk"
)

// Valid reports whether p is a known launchpad.
func (p Platform) Valid() bool { return p == PlatformPump || p == PlatformBonk }

// Event names on the Socket.IO wire.
const (
	EventWorkerProgress = "worker_progress"
	EventWorkerStep     = "worker_step"
	EventTokenLaunch    = "token_launch_event"
	EventLaunchProgress = "launch_progress_update"
)

// WorkerProgressEvent is the seed's WorkerProgressEvent. String fields are "" while
// unknown, never null: the seed's components crash on null.
type WorkerProgressEvent struct {
	JobID            string     `json:"jobId"`
	WorkerType       WorkerType `json:"workerType"`
	TokenAddress     string     `json:"tokenAddress"`
	UserID           string     `json:"userId"`
	UserChatID       int64      `json:"userChatId"`
	Phase            int        `json:"phase"`
	TotalPhases      int        `json:"totalPhases"`
	PhaseTitle       string     `json:"phaseTitle"`
	PhaseDescription string     `json:"phaseDescription"`
	Progress         int        `json:"progress"`
	Status           Status     `json:"status"`
	Timestamp        int64      `json:"timestamp"`
	Details          *Details   `json:"details,omitempty"`
}

// Details is WorkerProgressEvent.details: the seed's named optional fields plus the
// retry fields of the external contract. Absent values are omitted, never null.
type Details struct {
	TokenName    string   `json:"tokenName,omitempty"`
	TokenSymbol  string   `json:"tokenSymbol,omitempty"`
	BuyAmount    *float64 `json:"buyAmount,omitempty"`
	DevBuy       *float64 `json:"devBuy,omitempty"`
	SellPercent  *float64 `json:"sellPercent,omitempty"`
	WalletsCount *int     `json:"walletsCount,omitempty"`
	Error        string   `json:"error,omitempty"`
	Signature    string   `json:"signature,omitempty"`
	Retrying     bool     `json:"retrying,omitempty"`
	Attempt      int      `json:"attempt,omitempty"`
	NextRetryAt  int64    `json:"nextRetryAt,omitempty"`
}

// WorkerStepEvent is the seed's WorkerStepEvent.
type WorkerStepEvent struct {
	JobID        string `json:"jobId"`
	WorkerType   string `json:"workerType"`
	TokenAddress string `json:"tokenAddress"`
	UserID       string `json:"userId"`
	Step         string `json:"step"`
	StepNumber   int    `json:"stepNumber"`
	TotalSteps   int    `json:"totalSteps"`
	Message      string `json:"message"`
	Timestamp    int64  `json:"timestamp"`
	Data         any    `json:"data,omitempty"`
}

// Stage is TokenLaunchEvent.stage.
type Stage string

// The launch lifecycle stages of the external contract, in the order they happen.
const (
	StageCreated         Stage = "created"
	StageLaunched        Stage = "launched"
	StageMixingStarted   Stage = "mixing_started"
	StageMixingCompleted Stage = "mixing_completed"
	StageFullyReady      Stage = "fully_ready"
)

// TokenLaunchEvent is the seed's TokenLaunchEvent.
type TokenLaunchEvent struct {
	TokenAddress string      `json:"tokenAddress"`
	Platform     Platform    `json:"platform"`
	Name         string      `json:"name"`
	Symbol       string      `json:"symbol"`
	Timestamp    int64       `json:"timestamp"`
	UserID       string      `json:"userId"`
	Stage        Stage       `json:"stage"`
	StepNumber   int         `json:"stepNumber"`
	TotalSteps   int         `json:"totalSteps"`
	Message      string      `json:"message"`
	LaunchData   *LaunchData `json:"launchData,omitempty"`
	MixingData   *MixingData `json:"mixingData,omitempty"`
	Error        *StageError `json:"error,omitempty"`
}

// LaunchData is TokenLaunchEvent.launchData, filled on `launched`.
type LaunchData struct {
	InitialLiquidity *float64 `json:"initialLiquidity,omitempty"`
	MarketCap        *float64 `json:"marketCap,omitempty"`
	Price            *float64 `json:"price,omitempty"`
	DevWallet        string   `json:"devWallet,omitempty"`
	BuyerWallets     *int     `json:"buyerWallets,omitempty"`
}

// MixingData is TokenLaunchEvent.mixingData, filled on the mixing stages.
type MixingData struct {
	TotalFunds     *float64 `json:"totalFunds,omitempty"`
	WalletsUsed    *int     `json:"walletsUsed,omitempty"`
	CompletedAt    *int64   `json:"completedAt,omitempty"`
	MixingProgress *int     `json:"mixingProgress,omitempty"`
}

// StageError is TokenLaunchEvent.error.
type StageError struct {
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
	Stage   string `json:"stage"`
}

// LaunchProgress is the seed's LaunchProgress.
type LaunchProgress struct {
	TokenAddress string   `json:"tokenAddress"`
	Platform     Platform `json:"platform"`
	UserID       string   `json:"userId"`
	CurrentStep  int      `json:"currentStep"`
	TotalSteps   int      `json:"totalSteps"`
	Stages       Stages   `json:"stages"`
}

// Stages is LaunchProgress.stages.
type Stages struct {
	Creation StageState  `json:"creation"`
	Launch   StageState  `json:"launch"`
	Mixing   MixingState `json:"mixing"`
	Ready    StageState  `json:"ready"`
}

// StageState is one entry of LaunchProgress.stages.
type StageState struct {
	Completed bool   `json:"completed"`
	Timestamp *int64 `json:"timestamp,omitempty"`
}

// MixingState is LaunchProgress.stages.mixing.
type MixingState struct {
	Completed bool   `json:"completed"`
	Timestamp *int64 `json:"timestamp,omitempty"`
	Progress  *int   `json:"progress,omitempty"`
}

// Ptr returns a pointer to v, for the optional numeric fields.
func Ptr[T any](v T) *T { return &v }
