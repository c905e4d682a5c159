# Cloudflare Worker targets (cmd/worker). Include from the root Makefile:
#   include cmd/worker/worker.mk
#
#   make worker-build    build/worker/: the Worker (Go → WASM) + its JS glue + site index
#   make worker-dev      build, then `wrangler dev` on site/ at http://127.0.0.1:8787 (offline)
#   make worker-deploy   build, then `wrangler deploy` (needs a Cloudflare login)
#   make test-worker     Go unit tests of the Worker's logic + the wrangler dev integration test
#
# Wrangler comes from js/node_modules (make setup). Wrangler 4.164 asks for
# Node >= 22.12 in its launcher; its CLI runs on Node 20 too, so it is
# started as `node js/node_modules/wrangler/wrangler-dist/cli.js`, which
# skips that check. Set WRANGLER_NODE to use another node binary.

GO ?= go
BUILD ?= build
WORKER_BUILD ?= $(BUILD)/worker
WORKER_SITE ?= site
WORKER_PORT ?= 8787
WORKER_NODE ?= $(or $(WRANGLER_NODE),node)
WRANGLER := $(WORKER_NODE) $(CURDIR)/js/node_modules/wrangler/wrangler-dist/cli.js
# No telemetry, no update check, no Request.cf download, no error reports.
WRANGLER_ENV := WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false \
	WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false DO_NOT_TRACK=1 \
	WRANGLER_LOG_PATH=$(abspath $(BUILD))/worker-logs

.PHONY: worker-build worker-dev worker-deploy test-worker test-worker-go test-worker-dev

worker-build:
	@test -d $(WORKER_SITE) || { echo "worker-build: $(WORKER_SITE)/ does not exist: build the site first (make site)"; exit 1; }
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(WORKER_BUILD)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WORKER_BUILD)/app.wasm ./cmd/worker
	cp cmd/worker/entry.mjs $(WORKER_BUILD)/entry.mjs
	$(GO) run ./cmd/worker index -site $(WORKER_SITE) -o $(WORKER_BUILD)/site-index.json

# wrangler.toml's [build] runs `make worker-build` itself.
worker-dev: js/node_modules/.package-lock.json
	@test -d $(WORKER_SITE) || { echo "worker-dev: $(WORKER_SITE)/ does not exist: build the site first (make site)"; exit 1; }
	$(WRANGLER_ENV) $(WRANGLER) dev -c cmd/worker/wrangler.toml --local --ip 127.0.0.1 --port $(WORKER_PORT) \
		--persist-to $(abspath $(BUILD))/worker-state --assets $(abspath $(WORKER_SITE)) --show-interactive-dev-session=false

worker-deploy: js/node_modules/.package-lock.json
	$(WRANGLER_ENV) $(WRANGLER) deploy -c cmd/worker/wrangler.toml

test-worker: test-worker-go test-worker-dev

test-worker-go:
	$(GO) vet ./cmd/worker/...
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/worker/...
	$(GO) test ./cmd/worker/...

test-worker-dev: js/node_modules/.package-lock.json
	WRANGLER_NODE=$(WORKER_NODE) node js/worker/worker-test.mjs
