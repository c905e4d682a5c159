# clipad — see README.md. Two commands matter:
#   make serve   set up, build the site and serve it locally (the main job)
#   make test    every test (.ci/run calls exactly this)
SHELL := /bin/bash
GO ?= go
GOROOT := $(shell $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec
BUILD := build
SHARED ?= ../shared
CLIPAD := $(BUILD)/clipad
CLIPAD_WASM := $(BUILD)/clipad.wasm
CLIPAD_WASM_SIMD := $(BUILD)/clipad-simd.wasm

# Real weights (make model): open_clip ViT-B-16-plus-240, laion400m_e31.
MODEL_DIR ?= models/ViT-B-16-plus-240
HF ?= https://huggingface.co
MODEL_REPO ?= timm/vit_base_patch16_plus_clip_240.laion400m_e31
TOKENIZER_REPO ?= openai/clip-vit-base-patch16

# Packages whose tests also run under GOOS=js GOARCH=wasm (Node).
WASM_TEST_PKGS ?= ./model/... ./wasm

.PHONY: all setup build test test-go test-wasm parity parity-small parity-full model clean

include model/kernels/simd/simd.mk
include cmd/worker/worker.mk
include js/site.mk
include js/bench/bench.mk

all: build

setup: js/node_modules/.package-lock.json

js/node_modules/.package-lock.json: js/package.json js/package-lock.json
	cd js && npm ci --ignore-scripts --no-audit --no-fund

build:
	@mkdir -p $(BUILD)
	$(GO) build -o $(CLIPAD) ./cmd/clipad

$(CLIPAD_WASM): FORCE
	@mkdir -p $(BUILD)
	GOOS=js GOARCH=wasm $(GO) build -o $@ ./cmd/clipad

$(CLIPAD_WASM_SIMD): FORCE
	@mkdir -p $(BUILD)
	GOOS=js GOARCH=wasm $(GO) build -tags simd -o $@ ./cmd/clipad

FORCE:

test: setup build
	$(MAKE) test-go
	$(MAKE) test-wasm
	$(MAKE) test-simd
	$(MAKE) parity
	$(MAKE) bench-selftest
	$(MAKE) test-worker
	$(MAKE) test-page

test-go:
	$(GO) vet ./...
	$(GO) test ./...

test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -exec=$(WASM_EXEC) $(WASM_TEST_PKGS)

# Parity: the Go engine (native and WASM under Node) against onnxruntime-node
# running ONNX graphs written from the same synthetic weights.
PARITY_IMAGE ?= $(SHARED)/data/mvtec/bottle/anomaly/broken_large/000.png
PARITY_TEXT := -text "a photo of a damaged bottle." -text "a cropped photo of the flawless metal_nut." -text "Ünïcödé, punctuation!? & 2024"

parity: parity-small parity-full

parity-small: setup build $(CLIPAD_WASM) $(CLIPAD_WASM_SIMD)
	$(call parity_run,test-small,$(BUILD)/parity/test-small)

parity-full: setup build $(CLIPAD_WASM) $(CLIPAD_WASM_SIMD)
	$(call parity_run,ViT-B-16-plus-240,$(BUILD)/parity/full)

define parity_run
	@mkdir -p $(2)
	$(CLIPAD) synth -config $(1) -out $(2)/model -onnx
	$(CLIPAD) forward -config $(1) -weights $(2)/model/open_clip_model.safetensors -image $(PARITY_IMAGE) -tokenizer $(SHARED)/data/clip $(PARITY_TEXT) -out $(2)/native
	$(WASM_EXEC) $(CLIPAD_WASM) forward -config $(1) -weights $(2)/model/open_clip_model.safetensors -image $(PARITY_IMAGE) -tokenizer $(SHARED)/data/clip $(PARITY_TEXT) -out $(2)/wasm
	$(SIMD_EXEC) $(CLIPAD_WASM_SIMD) forward -config $(1) -weights $(2)/model/open_clip_model.safetensors -image $(PARITY_IMAGE) -tokenizer $(SHARED)/data/clip $(PARITY_TEXT) -out $(2)/wasm-simd
	node js/parity/parity.mjs --onnx $(2)/model --dump native=$(2)/native --dump wasm=$(2)/wasm --dump wasm-simd=$(2)/wasm-simd --label $(1)
endef

# Real weights: needs internet. Fails with one sentence where there is none.
model:
	@mkdir -p $(MODEL_DIR)
	@if ! curl -sfI --max-time 15 "$(HF)/$(MODEL_REPO)/resolve/main/open_clip_config.json" >/dev/null 2>&1; then \
		echo "make model: cannot reach $(HF) — downloading the real CLIP weights needs internet; run 'make model' on a machine with network access and copy $(MODEL_DIR)/ here."; exit 1; fi
	curl -fL --retry 3 -o $(MODEL_DIR)/open_clip_config.json "$(HF)/$(MODEL_REPO)/resolve/main/open_clip_config.json"
	curl -fL --retry 3 -C - -o $(MODEL_DIR)/open_clip_model.safetensors "$(HF)/$(MODEL_REPO)/resolve/main/open_clip_model.safetensors"
	curl -fL --retry 3 -o $(MODEL_DIR)/vocab.json "$(HF)/$(TOKENIZER_REPO)/resolve/main/vocab.json"
	curl -fL --retry 3 -o $(MODEL_DIR)/merges.txt "$(HF)/$(TOKENIZER_REPO)/resolve/main/merges.txt"
	$(MAKE) build
	$(CLIPAD) inspect -config $(MODEL_DIR)/open_clip_config.json -weights $(MODEL_DIR)/open_clip_model.safetensors

clean:
	rm -rf $(BUILD)
