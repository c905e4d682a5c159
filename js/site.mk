# The browser app: site/ and its tests. Included from the root Makefile
# (after GO, BUILD, CLIPAD and MODEL_DIR are set). Paths are relative to the
# repository root.
#
#   make site        build site/: the page (index.html, js/app/), the Go core
#                    as WebAssembly + the exact toolchain's wasm_exec.js, a model
#                    bundle + its text vectors, sample images, the service worker.
#                    With real weights (make model: $(MODEL_DIR)/open_clip_model.safetensors)
#                    the int8 bundle of the real CLIP model and its RVS text vectors
#                    (computed once, ~5 min, kept in build/site-work/real/);
#                    otherwise the synthetic planted demo model, and the page says so.
#   make serve       make site, then serve it on http://127.0.0.1:8080/ (SERVE_ADDR)
#   make test-page   headless Chromium end-to-end tests of the page (js/e2e/)
#   make bench-page  time to first heatmap with a synthetic model of the real size
#                    (BENCH_WORKERS=2, SITE_SIMD=0|1)
#
# Options: SITE_DTYPE=int8|int4|f32 (real weights), SITE_SIMD=1 (default: also ship the
# SIMD kernel build of the core; the page falls back to the plain one).

GO ?= go
BUILD ?= build
CLIPAD ?= $(BUILD)/clipad
MODEL_DIR ?= models/ViT-B-16-plus-240
SITE ?= site
SITE_WORK ?= $(BUILD)/site-work
SITE_DTYPE ?= int8
SITE_SIMD ?= 1
SITE_DEMO_SHARD ?= 131072
SERVE_ADDR ?= 127.0.0.1:8080
SITE_WASM_EXEC = $(shell $(GO) env GOROOT)/lib/wasm/wasm_exec.js
SITE_REAL_WEIGHTS = $(MODEL_DIR)/open_clip_model.safetensors
SITE_CHROMIUM ?= /usr/bin/chromium
SITE_SIMD_KERNELS = model/kernels/simd/kernels.wasm
BENCH_WORKERS ?= 2
SITE_RVS_FLAGS ?=

.PHONY: site serve test-page bench-page site-core site-model site-samples site-clean

site: build site-core site-model site-samples
	node js/build-site.mjs --out $(SITE) --page index.html --app js/app \
		--core $(SITE_WORK)/core/clipad.wasm --wasm-exec $(SITE_WASM_EXEC) \
		$(if $(filter 1,$(SITE_SIMD)),--simd-core $(SITE_WORK)/core/clipad-simd.wasm --simd-kernels $(SITE_SIMD_KERNELS) --simd-js js/simd/simd.js) \
		--model $(file < $(SITE_WORK)/model.arg) --samples $(SITE_WORK)/samples

site-core:
	@mkdir -p $(SITE_WORK)/core
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(SITE_WORK)/core/clipad.wasm ./wasm
ifeq ($(SITE_SIMD),1)
	GOOS=js GOARCH=wasm $(GO) build -tags simd -trimpath -ldflags="-s -w" -o $(SITE_WORK)/core/clipad-simd.wasm ./wasm
endif

site-samples: build
	@rm -rf $(SITE_WORK)/samples
	$(CLIPAD) synth -planted-images $(SITE_WORK)/samples

ifneq ($(wildcard $(SITE_REAL_WEIGHTS)),)
# real weights: bundle and text vectors, redone only when the weights change
site-model: $(SITE_WORK)/real/bundle-$(SITE_DTYPE)/manifest.json $(SITE_WORK)/real/text_vectors.json
	@printf '%s' "$(SITE_WORK)/real/bundle-$(SITE_DTYPE)=$(SITE_WORK)/real/text_vectors.json" > $(SITE_WORK)/model.arg
	@echo "site: real CLIP weights from $(MODEL_DIR)"

$(SITE_WORK)/real/bundle-$(SITE_DTYPE)/manifest.json: $(SITE_REAL_WEIGHTS) | build
	rm -rf $(SITE_WORK)/real/bundle-$(SITE_DTYPE)
	$(CLIPAD) bundle -weights $(SITE_REAL_WEIGHTS) -dtype $(SITE_DTYPE) -out $(SITE_WORK)/real/bundle-$(SITE_DTYPE)

$(SITE_WORK)/real/text_vectors.json: $(SITE_REAL_WEIGHTS) | build
	@mkdir -p $(SITE_WORK)/real
	@echo "site: computing the text vectors once (the text tower over every category's prompts; a few minutes)"
	$(CLIPAD) rvs -weights $(SITE_REAL_WEIGHTS) $(SITE_RVS_FLAGS) -out $@.tmp
	mv $@.tmp $@
else
# no real weights: the synthetic planted demo model (small shards, so the
# page's per-file progress and checks are exercised)
site-model: build
	@rm -rf $(SITE_WORK)/demo
	$(CLIPAD) synth -config planted -out $(SITE_WORK)/demo
	$(CLIPAD) bundle -weights $(SITE_WORK)/demo/open_clip_model.safetensors -dtype int8 -shard-bytes $(SITE_DEMO_SHARD) -out $(SITE_WORK)/demo/bundle
	@printf '%s' "$(SITE_WORK)/demo/bundle=$(SITE_WORK)/demo/text_vectors.json" > $(SITE_WORK)/model.arg
	@echo "site: no real weights in $(MODEL_DIR) (run 'make model'), using the synthetic planted demo model"
endif

serve: site
	$(CLIPAD) serve -dir $(SITE) -addr $(SERVE_ADDR)

test-page: setup site
	@test -x $(SITE_CHROMIUM) || { echo "test-page: $(SITE_CHROMIUM) not found: apt-get install -y chromium"; exit 1; }
	CHROMIUM=$(SITE_CHROMIUM) node js/e2e/page.test.mjs --site $(SITE) --clipad $(CLIPAD) --artifacts artifacts/page

# Time to first heatmap with a cached model of the real architecture and size
# (synthetic ViT-B-16-plus-240 weights, int8), in a separate site directory.
bench-page: setup build site-core site-samples
	@mkdir -p $(SITE_WORK)/bench
	test -f $(SITE_WORK)/bench/bundle/manifest.json || { \
		$(CLIPAD) synth -config ViT-B-16-plus-240 -out $(SITE_WORK)/bench && \
		$(CLIPAD) bundle -weights $(SITE_WORK)/bench/open_clip_model.safetensors -dtype int8 -out $(SITE_WORK)/bench/bundle && \
		node js/e2e/bench-text.mjs $(SITE_WORK)/bench/bundle/manifest.json $(SITE_WORK)/bench/text_vectors.json && \
		rm -f $(SITE_WORK)/bench/open_clip_model.safetensors; }
	node js/build-site.mjs --out $(SITE_WORK)/bench-site --page index.html --app js/app \
		--core $(SITE_WORK)/core/clipad.wasm --wasm-exec $(SITE_WASM_EXEC) \
		$(if $(filter 1,$(SITE_SIMD)),--simd-core $(SITE_WORK)/core/clipad-simd.wasm --simd-kernels $(SITE_SIMD_KERNELS) --simd-js js/simd/simd.js) \
		--model $(SITE_WORK)/bench/bundle=$(SITE_WORK)/bench/text_vectors.json --samples $(SITE_WORK)/samples
	CHROMIUM=$(SITE_CHROMIUM) node js/e2e/page.test.mjs --bench --workers $(BENCH_WORKERS) --site $(SITE_WORK)/bench-site --clipad $(CLIPAD) --artifacts artifacts/bench-page

# remove the generated site (keeps site/README.md, which is committed)
site-clean:
	find $(SITE) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf $(SITE_WORK)
