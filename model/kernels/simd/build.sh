#!/usr/bin/env bash
# Rebuilds kernels.wasm from kernels.wat and relaxed.wat (the readable
# sources) with wat2wasm from WABT (Debian/Ubuntu: apt-get install wabt;
# built and checked with wabt 1.0.32). relaxed.wat (relaxed SIMD) is built
# on its own and its binary appended to kernels.wasm as a custom section
# named "clipad.relaxed": engines ignore custom sections, so kernels.wasm
# still loads where relaxed SIMD is missing, and js/simd/simd.js takes the
# inner module out where it validates. The output is deterministic (no
# name or producers section), and TestSIMDModuleFresh checks that the
# committed kernels.wasm equals a fresh build whenever wat2wasm is
# installed.
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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wat2wasm ${flags[@]+"${flags[@]}"} "$dir/kernels.wat" -o "$tmp/kernels.wasm"
wat2wasm ${flags[@]+"${flags[@]}"} --enable-relaxed-simd "$dir/relaxed.wat" -o "$tmp/relaxed.wasm"
if command -v wasm-validate >/dev/null 2>&1; then
	wasm-validate "$tmp/kernels.wasm"
	wasm-validate --enable-relaxed-simd "$tmp/relaxed.wasm"
fi

# leb128 N: N as unsigned LEB128, written as printf escapes
leb128() {
	local n=$1 out="" b
	while :; do
		b=$((n & 127))
		n=$((n >> 7))
		if ((n)); then b=$((b | 128)); fi
		out+=$(printf '\\x%02x' "$b")
		((n)) || break
	done
	printf '%s' "$out"
}
name=clipad.relaxed
payload=$(stat -c %s "$tmp/relaxed.wasm")
name_leb=$(leb128 ${#name})
body=$(( $(printf "$name_leb" | wc -c) + ${#name} + payload ))
{
	cat "$tmp/kernels.wasm"
	printf '\x00'
	printf "$(leb128 "$body")"
	printf "$name_leb"
	printf '%s' "$name"
	cat "$tmp/relaxed.wasm"
} >"$out"
