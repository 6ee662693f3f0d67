# Nitro runtime: the developer loop. `make help` lists the targets.
SHELL := /bin/bash
GO    ?= go
PKGS  ?= ./...
BIN   := bin/nitro
# golangci-lint is built from the Go module proxy at this version (no other install).
GOLANGCI_LINT := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

.PHONY: help run build test test/race test/short bench lint check/devnet soak soak/faults soak/sockets e2e/deps clients/deps dashboard/vendor clean

help: ## list the targets
	@grep -hE '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: build ## start everything on embedded defaults (built-in cluster, local services)
	$(BIN) serve

build: ## build bin/nitro
	$(GO) build -o $(BIN) ./cmd/nitro

e2e/deps: ## install the npm test dependencies (the real socket.io-client)
	cd e2e && npm ci --no-audit --no-fund --loglevel=error

clients/deps: ## install TypeScript for the type check of clients/ts
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error

dashboard/vendor: e2e/deps ## copy the browser socket.io client from npm into the dashboard (committed: run needs no npm)
	cp e2e/node_modules/socket.io-client/dist/socket.io.min.js api/dashboard/static/socket.io.min.js

test: e2e/deps clients/deps ## vet, then every test with the race detector (fuzz seed corpora included)
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test/race: test ## alias: the test target always runs with -race

test/short: ## quick loop without the race detector
	$(GO) test -count=1 -short $(PKGS)

bench: e2e/deps ## benchmarks (figures in README); the e2e fan-out runs once per rate, ~1 min each
	$(GO) test -run '^$$' -bench . -benchtime 2s $$($(GO) list $(PKGS) | grep -v '/e2e$$')
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./e2e/
	NITRO_BENCH_USERS=1000 NITRO_BENCH_ADMINS=0 NITRO_BENCH_RATES=10000,20000,30000 \
		$(GO) test -run '^$$' -bench SocketFanout -benchtime 1x -timeout 30m ./e2e/

lint: ## gofmt, go vet, the package map (depguard) and the linters of .golangci.yml
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) run $(GOLANGCI_LINT) run $(PKGS)

check/devnet: ## the chain conformance suite on devnet: transfers, lookup tables, mixer + sweep, pump create_v2/buy/sell (needs SOLANA_RPC_URL, NITRO_DEVNET_KEYPAIR)
	@test -n "$$SOLANA_RPC_URL" || { echo 'check/devnet: set SOLANA_RPC_URL, e.g. SOLANA_RPC_URL=https://api.devnet.solana.com'; exit 2; }
	@test -n "$$NITRO_DEVNET_KEYPAIR" || { echo 'check/devnet: set NITRO_DEVNET_KEYPAIR to a Solana CLI keypair file holding at least 3 devnet SOL'; \
		echo '  solana-keygen new -o devnet.json; solana airdrop 2 $$(solana-keygen pubkey devnet.json) --url devnet, twice (or https://faucet.solana.com)'; exit 2; }
	@test -r "$$NITRO_DEVNET_KEYPAIR" || { echo "check/devnet: NITRO_DEVNET_KEYPAIR=$$NITRO_DEVNET_KEYPAIR is not a readable file"; exit 2; }
	set -o pipefail; $(GO) test -count=1 -timeout 15m -v -run '^TestDevnet$$' ./solana/solanatest/chaincheck/ 2>&1 | grep --line-buffered -v -E '^=== '

soak: soak/sockets soak/faults ## every soak: the socket soak, then the fault soak; prints TALLY lines

soak/faults: e2e/deps ## fault soak (hours): 200 kill -9 trials, chain faults x20, kill+faults x20; prints TALLY lines
	set -o pipefail; NITRO_SOAK=1 NITRO_FAULT_TRIALS=$${NITRO_FAULT_TRIALS:-200} \
	NITRO_CHAIN_FAULT_TRIALS=$${NITRO_CHAIN_FAULT_TRIALS:-20} NITRO_SOAK_TRIALS=$${NITRO_SOAK_TRIALS:-20} \
	$(GO) test -count=1 -timeout 12h -v -run '^(TestKillDuringLaunch|TestChainFaults|TestSoakKillWithChainFaults)$$' ./e2e 2>&1 \
	| grep --line-buffered -v -E '^(\{|=== )'

soak/sockets: e2e/deps ## 1,000 socket.io-client sockets for NITRO_SOAK_DURATION (10m) under steady load; prints a TALLY line
	set -o pipefail; NITRO_SOAK_SOCKETS=1 $(GO) test -count=1 -timeout $${NITRO_SOAK_TIMEOUT:-2h} -v -run '^TestSoakSockets$$' ./e2e 2>&1 \
	| grep --line-buffered -v -E '^(\{|=== )'

clean: ## remove build outputs
	rm -rf bin
