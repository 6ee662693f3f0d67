// Types of the Nitro runtime's wire: the Socket.IO events, the acks of the client's
// subscribe events, and the HTTP API's requests and replies. The event payloads are
// the frontend guide's interfaces plus what the runtime adds (retry details,
// subscription_error, acks). `clients/ts/check_test.go` type-checks the Go side's
// golden JSON against these types with tsc, so the two cannot drift.

export type WorkerType =
  | "launch_token"
  | "prepare_launch"
  | "execute_launch"
  | "dev_sell"
  | "wallet_sell"
  | "create_token_metadata"
  | "launch_token_from_dapp"
  | "sweep_wallets";

export type Platform = "pump" | "bonk";

export type WorkerStatus = "started" | "in_progress" | "completed" | "failed";

/** Optional details of a worker_progress event; absent values are omitted, never null. */
export interface WorkerProgressDetails {
  tokenName?: string;
  tokenSymbol?: string;
  buyAmount?: number;
  devBuy?: number;
  sellPercent?: number;
  walletsCount?: number;
  /** Why the run failed, or why this attempt failed when `retrying`. */
  error?: string;
  /** The latest confirmed transaction of the job. */
  signature?: string;
  /** The attempt failed and asynq will run it again: not a failure yet. */
  retrying?: boolean;
  /** The attempt that will run next (1 = the first retry). */
  attempt?: number;
  /** When asynq will run it again, Unix milliseconds. */
  nextRetryAt?: number;
}

/** worker_progress: a job enters a phase, moves inside one, completes or fails. */
export interface WorkerProgressEvent {
  jobId: string;
  workerType: WorkerType;
  /** "" until the job knows its coin. */
  tokenAddress: string;
  userId: string;
  userChatId: number;
  phase: number;
  totalPhases: number;
  phaseTitle: string;
  phaseDescription: string;
  /** 0..100, never decreasing within a run. */
  progress: number;
  status: WorkerStatus;
  /** Unix milliseconds. */
  timestamp: number;
  details?: WorkerProgressDetails;
}

/** worker_step: one step inside a phase (one per wallet for multi-wallet work). */
export interface WorkerStepEvent {
  jobId: string;
  workerType: WorkerType;
  tokenAddress: string;
  userId: string;
  step: string;
  stepNumber: number;
  totalSteps: number;
  message: string;
  timestamp: number;
  data?: unknown;
}

export type LaunchStage = "created" | "launched" | "mixing_started" | "mixing_completed" | "fully_ready";

export interface LaunchData {
  initialLiquidity?: number;
  marketCap?: number;
  price?: number;
  devWallet?: string;
  buyerWallets?: number;
}

export interface MixingData {
  totalFunds?: number;
  walletsUsed?: number;
  completedAt?: number;
  mixingProgress?: number;
}

export interface StageError {
  message: string;
  /** A stable code such as "SLIPPAGE" or "INSUFFICIENT_FUNDS". */
  code?: string;
  stage: string;
}

/** token_launch_event: a launch reaches a lifecycle stage. */
export interface TokenLaunchEvent {
  tokenAddress: string;
  platform: Platform;
  name: string;
  symbol: string;
  timestamp: number;
  userId: string;
  stage: LaunchStage;
  stepNumber: number;
  totalSteps: number;
  message: string;
  launchData?: LaunchData;
  mixingData?: MixingData;
  error?: StageError;
}

export interface StageState {
  completed: boolean;
  timestamp?: number;
}

export interface MixingState extends StageState {
  progress?: number;
}

/** launch_progress_update: after any change of a launch's stages. */
export interface LaunchProgress {
  tokenAddress: string;
  platform: Platform;
  userId: string;
  currentStep: number;
  totalSteps: number;
  stages: {
    creation: StageState;
    launch: StageState;
    mixing: MixingState;
    ready: StageState;
  };
}

/** subscription_error: a subscribe was refused (the ack says the same). */
export interface SubscriptionError {
  event: string;
  error: string;
}

/** The ack of subscribe_user_launches, subscribe_all_launches and unsubscribe. */
export type SubscribeAck = { ok: true; room: string } | { ok: false; error: string };

export interface ServerToClientEvents {
  worker_progress: (e: WorkerProgressEvent) => void;
  worker_step: (e: WorkerStepEvent) => void;
  token_launch_event: (e: TokenLaunchEvent) => void;
  launch_progress_update: (e: LaunchProgress) => void;
  subscription_error: (e: SubscriptionError) => void;
}

export interface ClientToServerEvents {
  subscribe_user_launches: (userId: string, ack?: (a: SubscribeAck) => void) => void;
  subscribe_all_launches: (ack?: (a: SubscribeAck) => void) => void;
  unsubscribe: (room: string, ack?: (a: SubscribeAck) => void) => void;
}

// ---- HTTP ----

export interface BuyerWallet {
  publicKey: string;
  buySol: number;
}

export interface MixingOptions {
  enabled: boolean;
  hops?: number;
}

interface Common {
  userId: string;
  userChatId?: number;
}

interface TokenMetadata {
  platform: Platform;
  name: string;
  symbol: string;
  description?: string;
  /** An https URL or a data: URI. */
  image: string;
  twitter?: string;
  telegram?: string;
  website?: string;
  vanitySuffix?: string;
}

interface WalletPlan {
  devWallet: string;
  fundingWallet?: string;
  buyerWallets?: BuyerWallet[];
  mixing?: MixingOptions;
}

interface ExecOptions {
  devBuySol: number;
  slippageBps?: number;
  priorityFeeMicroLamports?: number;
  /** One Jito bundle; refused (400 naming `bundle`) when no block engine is configured. */
  bundle?: boolean;
}

export type CreateTokenMetadataPayload = Common & TokenMetadata;
export type PreparePayload = Common & WalletPlan & { tokenAddress: string };
export type ExecuteLaunchPayload = Common & ExecOptions & { tokenAddress: string };
export type LaunchTokenPayload = Common & TokenMetadata & WalletPlan & ExecOptions;
export type LaunchTokenFromDappPayload = Common &
  Omit<TokenMetadata, "image"> & { image?: string; metadataUri?: string } & WalletPlan &
  ExecOptions;
export type DevSellPayload = Common & { tokenAddress: string; sellPercent: number; slippageBps?: number };
export type WalletSellPayload = Common & {
  tokenAddress: string;
  sellPercent: number;
  wallets?: string[];
  slippageBps?: number;
};

/**
 * Moves the SOL of each wallet to `destination` (all the user's own wallets). With
 * `tokenAddress`, each wallet first sells all its tokens of that launch; with
 * `closeTokenAccounts`, its empty token accounts are closed and their rent swept too.
 */
export type SweepWalletsPayload = Common & {
  wallets: string[];
  destination: string;
  closeTokenAccounts?: boolean;
  tokenAddress?: string;
  slippageBps?: number;
};

/** POST /api/jobs/{type}: the body of each type. */
export interface JobPayloads {
  create_token_metadata: CreateTokenMetadataPayload;
  prepare_launch: PreparePayload;
  execute_launch: ExecuteLaunchPayload;
  launch_token: LaunchTokenPayload;
  launch_token_from_dapp: LaunchTokenFromDappPayload;
  dev_sell: DevSellPayload;
  wallet_sell: WalletSellPayload;
  sweep_wallets: SweepWalletsPayload;
}

/** 202 (new job) or 200 (a repeated Idempotency-Key). */
export interface EnqueueReply {
  jobId: string;
  type: WorkerType;
  queue: string;
  state?: string;
}

/** Every error body. */
export interface ErrorReply {
  error: string;
  fields?: Record<string, string>;
  /** 429 of a rate limit: whose budget ran out (wait the Retry-After header's seconds). */
  limit?: "enqueue_per_key" | "enqueue_per_user" | "wallets_per_key" | "wallets_per_user" | "api_per_client";
}

export interface LaunchResult {
  tokenAddress: string;
  metadataUri: string;
  signatures: { create: string; buys: string[] };
  devTokens: number;
  buyerTokens: { publicKey: string; tokens: number; signature: string }[];
}

export interface SellResult {
  signatures: string[];
  solReceived: number;
  tokensSold: number;
}

/** The result of sweep_wallets: what each wallet sent to the destination. */
export interface SweepResult {
  destination: string;
  signatures: string[];
  /** SOL that reached the destination (fees already paid by the wallets). */
  solSwept: number;
  lamportsSwept: number;
  wallets: {
    publicKey: string;
    signature?: string;
    solSwept: number;
    lamportsSwept: number;
    /** Lamports the wallet keeps: 0, or the rent-exempt minimum while it still owns token accounts. */
    lamportsLeft: number;
    tokenAccountsClosed: number;
    /** The signature of the sale before the sweep (with `tokenAddress`). */
    sale?: string;
    skipped?: string;
  }[];
}

/** POST /api/wallets. */
export type WalletRequest =
  | { userId: string; label?: string; secretKey: string }
  | { userId: string; label?: string; generate: true };

/** 201 of POST /api/wallets: never the secret. */
export interface WalletReply {
  publicKey: string;
  userId: string;
  label: string;
}
