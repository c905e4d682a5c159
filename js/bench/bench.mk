# Speed benchmark (js/bench; see js/bench/README.md). Included from the
# root Makefile; paths are relative to the repository root.
#
#   make bench                  everything, one run (≈ 5 min on 2 cores)
#   make bench BENCH_FLAGS='--reps 1 --warmup 0'   quicker
#   make bench BENCH_FLAGS='--skip ort-node,native,split,batch,sizes --variants simd-int8'
#   make bench-dot              the two 8-bit dot products' speed in Node and Chromium
#   make bench-chromium         the 1-thread Go-vs-onnxruntime-web rows again, in headless
#                               Chromium (each in a Web Worker of one page; ≈ 1 min)
#   make bench-assets           only build the inputs (cached in $(BENCH_DIR))
#   make bench-clean            drop the cached inputs
#
# Inputs, built once and cached: synthetic ViT-B-16-plus-240 weights and
# their ONNX graphs (clipad synth -onnx), the int8-weight plain vision graph
# (clipad bench-onnx), f32 and int8 bundles (clipad bundle), and the browser
# core (./wasm) built as the site builds it, plain and, when the SIMD kernel
# module is in the tree (js/simd/simd.js + model/kernels/simd/kernels.wasm),
# with -tags simd. Results: $(BENCH_DIR)/results.md and results.json.

GO ?= go
BUILD ?= build
CLIPAD ?= $(BUILD)/clipad
BENCH_DIR ?= $(BUILD)/bench
BENCH_CONFIG ?= ViT-B-16-plus-240
BENCH_FLAGS ?=
BENCH_WASM_FLAGS := -trimpath -ldflags="-s -w"

.PHONY: bench bench-assets bench-cores bench-clean bench-dot bench-chromium

bench-dot: setup
	node js/bench/dot-probe.mjs
	$(BENCH_NODE) js/bench/dot-probe.mjs --no-chromium

bench-chromium: setup build bench-assets
	CHROMIUM=$(SITE_CHROMIUM) node js/bench/chromium.mjs --dir $(BENCH_DIR) --md $(BENCH_DIR)/chromium.md --json $(BENCH_DIR)/chromium.json $(BENCH_CHROMIUM_FLAGS)

# The harness (and so onnxruntime-web and the Go workers) runs on npm's
# Node 24 where make setup installed it: relaxed SIMD on by default, as in
# Chromium. BENCH_NODE=node runs it on the system Node instead.
BENCH_NODE ?= $(if $(wildcard $(NODE_RELAXED)),$(NODE_RELAXED),node)

bench: setup build bench-assets
	$(BENCH_NODE) js/bench/bench.mjs --dir $(BENCH_DIR) --clipad $(CLIPAD) --md $(BENCH_DIR)/results.md --json $(BENCH_DIR)/results.json $(BENCH_FLAGS)

bench-assets: build bench-cores
	@mkdir -p $(BENCH_DIR)
	test -f $(BENCH_DIR)/model/vision_plain.onnx || $(CLIPAD) synth -config $(BENCH_CONFIG) -out $(BENCH_DIR)/model -onnx
	test -f $(BENCH_DIR)/model/vision_plain_int8.onnx || $(CLIPAD) bench-onnx -weights $(BENCH_DIR)/model/open_clip_model.safetensors -out $(BENCH_DIR)/model
	test -f $(BENCH_DIR)/bundle-f32/manifest.json || $(CLIPAD) bundle -weights $(BENCH_DIR)/model/open_clip_model.safetensors -dtype f32 -out $(BENCH_DIR)/bundle-f32
	test -f $(BENCH_DIR)/bundle-int8/manifest.json || $(CLIPAD) bundle -weights $(BENCH_DIR)/model/open_clip_model.safetensors -dtype int8 -out $(BENCH_DIR)/bundle-int8

bench-cores:
	@mkdir -p $(BENCH_DIR)/core
	GOOS=js GOARCH=wasm $(GO) build $(BENCH_WASM_FLAGS) -o $(BENCH_DIR)/core/clipad.wasm ./wasm
	@if [ -f js/simd/simd.js ] && [ -f model/kernels/simd/kernels.wasm ]; then \
		echo 'GOOS=js GOARCH=wasm $(GO) build -tags simd $(BENCH_WASM_FLAGS) -o $(BENCH_DIR)/core/clipad-simd.wasm ./wasm'; \
		GOOS=js GOARCH=wasm $(GO) build -tags simd $(BENCH_WASM_FLAGS) -o $(BENCH_DIR)/core/clipad-simd.wasm ./wasm; \
	else \
		rm -f $(BENCH_DIR)/core/clipad-simd.wasm; \
		echo "bench: SIMD kernel module not in the tree (js/simd/simd.js, model/kernels/simd/kernels.wasm): SIMD rows will read 'not available'"; \
	fi

bench-clean:
	rm -rf $(BENCH_DIR)

# The single-image split on a small model: 1, 2 and 3 workers, both
# transports, f32 and int8, pure-Go and SIMD cores, bit-identical to the
# one-worker forward (seconds).
BENCH_SELFTEST := $(BENCH_DIR)/selftest

.PHONY: bench-selftest

bench-selftest: setup build bench-cores
	@mkdir -p $(BENCH_SELFTEST)/core
	test -f $(BENCH_SELFTEST)/model/open_clip_model.safetensors || $(CLIPAD) synth -config test-small -out $(BENCH_SELFTEST)/model
	test -f $(BENCH_SELFTEST)/bundle-f32/manifest.json || $(CLIPAD) bundle -weights $(BENCH_SELFTEST)/model/open_clip_model.safetensors -dtype f32 -out $(BENCH_SELFTEST)/bundle-f32
	test -f $(BENCH_SELFTEST)/bundle-int8/manifest.json || $(CLIPAD) bundle -weights $(BENCH_SELFTEST)/model/open_clip_model.safetensors -dtype int8 -out $(BENCH_SELFTEST)/bundle-int8
	cp $(BENCH_DIR)/core/*.wasm $(BENCH_SELFTEST)/core/
	node js/bench/selftest.mjs --dir $(BENCH_SELFTEST)
