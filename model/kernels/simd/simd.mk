# SIMD kernel module (model/kernels/simd) and its tests; included from the
# root Makefile. Paths are relative to the repository root.
#
#   make simd-module   rebuild model/kernels/simd/kernels.wasm from
#                      kernels.wat (needs wat2wasm: apt-get install wabt)
#   make test-simd     the kernels and vision tests under GOOS=js GOARCH=wasm
#                      -tags simd with the module linked (Node), then the
#                      kernels tests again with the module withheld, which
#                      must fall back to the pure-Go kernels
#   make bench-simd    pure-Go wasm vs SIMD wasm GFLOP/s side by side

GO ?= go
SIMD_DIR := model/kernels/simd
SIMD_EXEC := $(abspath js/simd/go_js_wasm_exec_simd)
SIMD_TEST_PKGS ?= ./model/kernels/ ./model/vision/
SIMD_GOENV := GOOS=js GOARCH=wasm

.PHONY: simd-module test-simd bench-simd

simd-module:
	$(SIMD_DIR)/build.sh

test-simd:
	$(SIMD_GOENV) $(GO) vet -tags simd ./model/kernels/
	$(SIMD_GOENV) $(GO) test -count=1 -tags simd -exec=$(SIMD_EXEC) $(SIMD_TEST_PKGS)
	CLIPAD_SIMD=0 $(SIMD_GOENV) $(GO) test -count=1 -tags simd -exec=$(SIMD_EXEC) ./model/kernels/

bench-simd:
	$(SIMD_GOENV) $(GO) test -tags simd -exec=$(SIMD_EXEC) -run '^$$' -bench 'SIMDvsGo' -benchtime 3x ./model/kernels/
