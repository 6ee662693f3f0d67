//go:build tools

// Package deps pins the module's direct dependencies while packages are being built.
package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/coder/websocket"
	_ "github.com/gagliardetto/solana-go"
	_ "github.com/gagliardetto/solana-go/rpc"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/hibiken/asynq"
	_ "github.com/hibiken/asynqmon"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/rs/zerolog"
	_ "github.com/zishang520/socket.io/servers/socket/v3"
	_ "github.com/zishang520/socket.io/v3/pkg/types"
	_ "golang.org/x/time/rate"
)
