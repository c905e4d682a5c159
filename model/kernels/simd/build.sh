#!/usr/bin/env bash
# Rebuilds kernels.wasm from kernels.wat (the readable source) with
# wat2wasm from WABT (Debian/Ubuntu: apt-get install wabt; built and
# checked with wabt 1.0.32). The output is deterministic (no name or
# producers section), and TestSIMDModuleFresh checks that the committed
# kernels.wasm equals a fresh build whenever wat2wasm is installed.
#
# Usage: build.sh [OUTPUT]   (default: kernels.wasm next to this script)
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$dir/kernels.wasm}
if ! command -v wat2wasm >/dev/null 2>&1; then
	echo "build.sh: wat2wasm not found; install WABT (apt-get install wabt)" >&2
	exit 1
fi
flags=()
# WABT before 1.0.30 needs --enable-simd; later versions have SIMD on by
# default and no longer accept the flag.
if wat2wasm --help 2>&1 | grep -q -- '--enable-simd'; then
	flags+=(--enable-simd)
fi
wat2wasm ${flags[@]+"${flags[@]}"} "$dir/kernels.wat" -o "$out"
if command -v wasm-validate >/dev/null 2>&1; then
	wasm-validate "$out"
fi
