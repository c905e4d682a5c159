package kernels

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// The committed SIMD module, relative to this package.
const simdModulePath = "simd/kernels.wasm"

// TestSIMDModule reads the committed kernels.wasm section by section and
// checks the promises the Go side relies on: the module has no memory,
// data segment or stack of its own — its only import is the memory it
// works on (Go's), it defines no memory, data, data count, global (so no
// stack pointer), table, element or start section, and imports no
// functions — and its code uses only core wasm plus fixed-width SIMD, from
// an allowlist of instructions that excludes memory.grow/size, globals,
// indirect calls, bulk memory, atomics and relaxed SIMD. Its one custom
// section, "clipad.relaxed", holds the relaxed-SIMD int8 product
// (relaxed.wat), which must keep the same promises and may use exactly
// one relaxed instruction, the 8-bit dot product.
func TestSIMDModule(t *testing.T) {
	bin, err := os.ReadFile(simdModulePath)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := parseWasm(bin, false)
	if err != nil {
		t.Fatal(err)
	}
	checkModuleContract(t, "kernels.wasm", mod, []byte{secType, secImport, secFunction, secExport, secCode, secCustom},
		[]string{"abi", "act", "layernorm", "qgemm", "quant", "sgemm", "softmax"})
	for _, op := range []string{"i32x4.dot_i16x8_s", "f32x4.mul", "f32x4.add", "v128.store"} {
		if mod.seen[op] == 0 {
			t.Errorf("module does not use %s", op)
		}
	}
	if mod.seen[relaxedDotName] != 0 {
		t.Errorf("kernels.wasm itself uses relaxed SIMD")
	}
	t.Logf("%d bytes, %d functions, %d instructions (%d SIMD)", len(bin), mod.funcs, mod.ops, mod.simdOps)

	if len(mod.custom) != 1 || mod.custom[0].name != "clipad.relaxed" {
		t.Fatalf("custom sections %v, want only clipad.relaxed", mod.custom)
	}
	inner := mod.custom[0].data
	if _, err := parseWasm(inner, false); err == nil {
		t.Fatal("the relaxed module parses without relaxed SIMD: it should use the 8-bit dot product")
	}
	rel, err := parseWasm(inner, true)
	if err != nil {
		t.Fatalf("clipad.relaxed: %v", err)
	}
	checkModuleContract(t, "clipad.relaxed", rel, []byte{secType, secImport, secFunction, secExport, secCode}, []string{"abi", "qgemm", "selftest"})
	if rel.seen[relaxedDotName] == 0 {
		t.Errorf("clipad.relaxed does not use %s", relaxedDotName)
	}
	t.Logf("clipad.relaxed: %d bytes, %d functions, %d instructions (%d SIMD, %d relaxed dots)",
		len(inner), rel.funcs, rel.ops, rel.simdOps, rel.seen[relaxedDotName])
}

// checkModuleContract checks the sections, the single memory import and
// the exported function names of a parsed module.
func checkModuleContract(t *testing.T, what string, mod *wasmModule, sections []byte, exports []string) {
	t.Helper()
	if !bytes.Equal(mod.sections, sections) {
		t.Fatalf("%s: sections %v, want exactly %v (no memory 5, global 6, start 8, data 11, data count 12, table 4, element 9)", what, mod.sections, sections)
	}
	if len(mod.imports) != 1 {
		t.Fatalf("%s: imports %v, want only the memory", what, mod.imports)
	}
	imp := mod.imports[0]
	if imp.module != "env" || imp.name != "memory" || imp.kind != kindMemory {
		t.Fatalf("%s: import %+v, want env.memory (a memory)", what, imp)
	}
	if imp.limitFlags != 0 || imp.min != 0 {
		t.Fatalf("%s: memory import limits flags %#x min %d: want plain 32-bit, unshared, no maximum, min 0 (any Go memory fits)", what, imp.limitFlags, imp.min)
	}
	var names []string
	for _, e := range mod.exports {
		if e.kind != kindFunc {
			t.Fatalf("%s: export %q is kind %d, want only functions", what, e.name, e.kind)
		}
		names = append(names, e.name)
	}
	slices.Sort(names)
	if !slices.Equal(names, exports) {
		t.Fatalf("%s: exports %v, want %v", what, names, exports)
	}
	if mod.simdOps == 0 || mod.funcs != len(mod.bodies) {
		t.Fatalf("%s: %d SIMD instructions, %d functions, %d bodies", what, mod.simdOps, mod.funcs, len(mod.bodies))
	}
}

// TestSIMDModuleFresh rebuilds the module with model/kernels/simd/build.sh
// (wat2wasm) and requires the committed binary to match byte for byte.
func TestSIMDModuleFresh(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses here")
	}
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm not installed (apt-get install wabt)")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	out := filepath.Join(t.TempDir(), "kernels.wasm")
	cmd := exec.Command("bash", "simd/build.sh", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(simdModulePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		ver, _ := exec.Command("wat2wasm", "--version").Output()
		t.Fatalf("committed %s (%d bytes) differs from a fresh build (%d bytes, wat2wasm %s): run make simd-module",
			simdModulePath, len(committed), len(fresh), bytes.TrimSpace(ver))
	}
}

// TestParseWasmRejects feeds the reader modules that break the contract,
// so that TestSIMDModule cannot pass by not looking.
func TestParseWasmRejects(t *testing.T) {
	hdr := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	sec := func(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	// one function: () -> () with the given body (no locals)
	fn := func(code ...byte) []byte {
		body := append([]byte{0}, code...)
		m := append([]byte{}, hdr...)
		m = append(m, sec(secType, 1, 0x60, 0, 0)...)
		m = append(m, sec(secFunction, 1, 0)...)
		return append(m, sec(secCode, append([]byte{1, byte(len(body))}, body...)...)...)
	}
	for name, bin := range map[string][]byte{
		"bad magic":       {0, 'a', 's', 'x', 1, 0, 0, 0},
		"own memory":      append(append([]byte{}, hdr...), sec(secMemory, 1, 0, 1)...),
		"global":          append(append([]byte{}, hdr...), sec(secGlobal, 1, 0x7f, 1, 0x41, 0, 0x0b)...),
		"memory.grow":     fn(0x41, 1, 0x40, 0, 0x1a, 0x0b),
		"global.set":      fn(0x41, 0, 0x24, 0, 0x0b),
		"memory.fill":     fn(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 11, 0, 0x0b),
		"relaxed simd":    fn(0x41, 0, 0xfd, 0x80, 0x02, 0x1a, 0x0b),
		"truncated":       fn(0x41),
		"no end":          fn(0x01),
		"unbalanced else": fn(0x05, 0x0b),
	} {
		mod, err := parseWasm(bin, false)
		if err == nil && name != "own memory" && name != "global" {
			t.Errorf("%s: accepted", name)
		}
		if _, err := parseWasm(bin, true); err == nil && name != "own memory" && name != "global" {
			t.Errorf("%s: accepted with the relaxed dot product allowed", name)
		}
		if name == "own memory" || name == "global" { // parsed; TestSIMDModule's section check rejects it
			if err != nil || !slices.Contains(mod.sections, bin[8]) {
				t.Errorf("%s: sections %v, err %v", name, mod.sections, err)
			}
		}
	}
	if _, err := parseWasm(fn(0x01, 0x0b), false); err != nil {
		t.Errorf("minimal valid module rejected: %v", err)
	}
	// the 8-bit dot product (0xfd 0x113) only where allowed
	dot := fn(0xfd, 0x93, 0x02, 0x1a, 0x0b)
	if _, err := parseWasm(dot, false); err == nil {
		t.Error("relaxed dot product accepted in the plain module")
	}
	if m, err := parseWasm(dot, true); err != nil || m.seen[relaxedDotName] != 1 {
		t.Errorf("relaxed dot product: err %v, seen %d", err, m.seen[relaxedDotName])
	}
}

// A tiny reader for the binary format: enough to list sections, imports
// and exports and to walk every instruction of the code section.

const (
	secCustom, secType, secImport, secFunction, secTable, secMemory, secGlobal = 0, 1, 2, 3, 4, 5, 6
	secExport, secStart, secElement, secCode, secData, secDataCount            = 7, 8, 9, 10, 11, 12

	kindFunc, kindMemory = 0, 2
)

type wasmImport struct {
	module, name string
	kind         byte
	limitFlags   byte
	min          uint32
}

type wasmExport struct {
	name string
	kind byte
}

type wasmModule struct {
	relaxed  bool // allow relaxed SIMD's 8-bit dot product (and nothing else of it)
	sections []byte
	custom   []wasmCustom
	imports  []wasmImport
	exports  []wasmExport
	funcs    int
	bodies   [][]byte
	ops      int
	simdOps  int
	seen     map[string]int
}

type wasmCustom struct {
	name string
	data []byte
}

type wasmReader struct {
	b   []byte
	off int
}

var errShort = errors.New("unexpected end")

func (r *wasmReader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errShort
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *wasmReader) u32() (uint32, error) {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("LEB128 too long")
}

// sleb skips a signed LEB128 of at most maxBytes bytes.
func (r *wasmReader) sleb(maxBytes int) error {
	for range maxBytes {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return errors.New("LEB128 too long")
}

func (r *wasmReader) bytes(n uint32) ([]byte, error) {
	if uint64(r.off)+uint64(n) > uint64(len(r.b)) {
		return nil, errShort
	}
	r.off += int(n)
	return r.b[r.off-int(n) : r.off], nil
}

func (r *wasmReader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

func parseWasm(bin []byte, relaxed bool) (*wasmModule, error) {
	r := &wasmReader{b: bin}
	head, err := r.bytes(8)
	if err != nil || !bytes.Equal(head, []byte{0, 'a', 's', 'm', 1, 0, 0, 0}) {
		return nil, errors.New("not a wasm 1 module")
	}
	m := &wasmModule{relaxed: relaxed, seen: map[string]int{}}
	for r.off < len(r.b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		m.sections = append(m.sections, id)
		s := &wasmReader{b: body}
		switch id {
		case secImport:
			err = m.readImports(s)
		case secExport:
			err = m.readExports(s)
		case secFunction:
			var n uint32
			n, err = s.u32()
			m.funcs = int(n)
			s.off = len(body)
		case secCode:
			err = m.readCode(s)
		case secCustom:
			var c wasmCustom
			if c.name, err = s.name(); err == nil {
				c.data = body[s.off:]
				m.custom = append(m.custom, c)
			}
			s.off = len(body)
		default:
			s.off = len(body)
		}
		if err == nil && s.off != len(body) {
			err = errors.New("trailing bytes")
		}
		if err != nil {
			return m, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return m, nil
}

func (m *wasmModule) readImports(r *wasmReader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for range n {
		var imp wasmImport
		if imp.module, err = r.name(); err != nil {
			return err
		}
		if imp.name, err = r.name(); err != nil {
			return err
		}
		if imp.kind, err = r.byte(); err != nil {
			return err
		}
		if imp.kind != kindMemory {
			return fmt.Errorf("import %s.%s of kind %d", imp.module, imp.name, imp.kind)
		}
		if imp.limitFlags, err = r.byte(); err != nil {
			return err
		}
		if imp.min, err = r.u32(); err != nil {
			return err
		}
		if imp.limitFlags&1 != 0 { // maximum
			if _, err = r.u32(); err != nil {
				return err
			}
		}
		m.imports = append(m.imports, imp)
	}
	return nil
}

func (m *wasmModule) readExports(r *wasmReader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for range n {
		var e wasmExport
		if e.name, err = r.name(); err != nil {
			return err
		}
		if e.kind, err = r.byte(); err != nil {
			return err
		}
		if _, err = r.u32(); err != nil {
			return err
		}
		m.exports = append(m.exports, e)
	}
	return nil
}

func (m *wasmModule) readCode(r *wasmReader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := range n {
		size, err := r.u32()
		if err != nil {
			return err
		}
		body, err := r.bytes(size)
		if err != nil {
			return err
		}
		m.bodies = append(m.bodies, body)
		if err := m.walkBody(&wasmReader{b: body}); err != nil {
			return fmt.Errorf("function %d: %w", i, err)
		}
	}
	return nil
}

// Instructions allowed in the module, by opcode, with their names (for
// the report) and immediates: core control, locals, i32/f32 memory access
// and arithmetic, and the fixed-width SIMD proposal. Anything else —
// memory.size/grow (0x3f/0x40), global.get/set (0x23/0x24), call_indirect
// (0x11), the 0xfc prefix (bulk memory, saturating truncation), 0xfe
// (atomics), i64, and f64 beyond the arithmetic above — is rejected.
const (
	immNone = iota
	immBlock
	immIndex
	immMemarg
	immI32
	immF32
)

var coreOps = map[byte]struct {
	name string
	imm  int
}{
	0x00: {"unreachable", immNone}, 0x01: {"nop", immNone},
	0x02: {"block", immBlock}, 0x03: {"loop", immBlock}, 0x04: {"if", immBlock},
	0x05: {"else", immNone}, 0x0b: {"end", immNone},
	0x0c: {"br", immIndex}, 0x0d: {"br_if", immIndex}, 0x0f: {"return", immNone},
	0x10: {"call", immIndex}, 0x1a: {"drop", immNone}, 0x1b: {"select", immNone},
	0x20: {"local.get", immIndex}, 0x21: {"local.set", immIndex}, 0x22: {"local.tee", immIndex},
	0x28: {"i32.load", immMemarg}, 0x2a: {"f32.load", immMemarg},
	0x2c: {"i32.load8_s", immMemarg}, 0x2d: {"i32.load8_u", immMemarg},
	0x36: {"i32.store", immMemarg}, 0x38: {"f32.store", immMemarg}, 0x3a: {"i32.store8", immMemarg},
	0x3b: {"i32.store16", immMemarg},
	0x41: {"i32.const", immI32}, 0x43: {"f32.const", immF32},
	0x92: {"f32.add", immNone}, 0x93: {"f32.sub", immNone}, 0x94: {"f32.mul", immNone},
	0x95: {"f32.div", immNone}, 0x96: {"f32.min", immNone}, 0x97: {"f32.max", immNone},
	0x5c: {"f32.ne", immNone}, 0x5d: {"f32.lt", immNone}, 0x5f: {"f32.le", immNone},
	0x8b: {"f32.abs", immNone}, 0x8c: {"f32.neg", immNone},
	// binary64 scalars: the quantization scale, the LayerNorm statistics
	0x9f: {"f64.sqrt", immNone}, 0xa0: {"f64.add", immNone}, 0xa1: {"f64.sub", immNone}, 0xa2: {"f64.mul", immNone},
	0xa3: {"f64.div", immNone}, 0xb6: {"f32.demote_f64", immNone}, 0xb8: {"f64.convert_i32_u", immNone}, 0xbb: {"f64.promote_f32", immNone},
	0xb2: {"f32.convert_i32_s", immNone},
}

func init() {
	// i32 comparisons (eqz … ge_u) and arithmetic (clz … rotr)
	for op := byte(0x45); op <= 0x4f; op++ {
		coreOps[op] = struct {
			name string
			imm  int
		}{fmt.Sprintf("i32.cmp.%#x", op), immNone}
	}
	for op := byte(0x67); op <= 0x78; op++ {
		coreOps[op] = struct {
			name string
			imm  int
		}{fmt.Sprintf("i32.arith.%#x", op), immNone}
	}
}

// Names of the SIMD instructions the test looks for.
var simdNames = map[uint32]string{11: "v128.store", 186: "i32x4.dot_i16x8_s", 228: "f32x4.add", 230: "f32x4.mul"}

func (m *wasmModule) walkBody(r *wasmReader) error {
	groups, err := r.u32()
	if err != nil {
		return err
	}
	for range groups {
		if _, err := r.u32(); err != nil {
			return err
		}
		t, err := r.byte()
		if err != nil {
			return err
		}
		if t != 0x7f && t != 0x7d && t != 0x7c && t != 0x7b { // i32, f32, f64, v128
			return fmt.Errorf("local of type %#x", t)
		}
	}
	depth := 1 // the function body's own block
	for depth > 0 {
		op, err := r.byte()
		if err != nil {
			return err
		}
		m.ops++
		if op == 0xfd {
			if err := m.simdOp(r); err != nil {
				return err
			}
			continue
		}
		info, ok := coreOps[op]
		if !ok {
			return fmt.Errorf("opcode %#x at %d not allowed", op, r.off-1)
		}
		m.seen[info.name]++
		switch op {
		case 0x02, 0x03, 0x04:
			depth++
		case 0x05:
			if depth < 2 {
				return errors.New("else outside if")
			}
		case 0x0b:
			depth--
		}
		switch info.imm {
		case immBlock:
			t, err := r.byte()
			if err != nil {
				return err
			}
			if t != 0x40 && t != 0x7f && t != 0x7d && t != 0x7b {
				return fmt.Errorf("block type %#x", t)
			}
		case immIndex:
			_, err = r.u32()
		case immMemarg:
			err = memarg(r)
		case immI32:
			err = r.sleb(5)
		case immF32:
			_, err = r.bytes(4)
		}
		if err != nil {
			return err
		}
	}
	if r.off != len(r.b) {
		return errors.New("code after the final end")
	}
	return nil
}

func memarg(r *wasmReader) error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align >= 64 { // bit 6 would name another memory
		return fmt.Errorf("memarg flags %#x", align)
	}
	_, err = r.u32()
	return err
}

// relaxedDot is i32x4.relaxed_dot_i8x16_i7x16_add_s (0xfd 0x113).
const (
	relaxedDot     = 0x113
	relaxedDotName = "i32x4.relaxed_dot_i8x16_i7x16_add_s"
)

// simdOp reads one 0xfd-prefixed instruction: the fixed-width SIMD
// proposal's opcodes 0..255 (relaxed SIMD starts at 256).
func (m *wasmModule) simdOp(r *wasmReader) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	if sub == relaxedDot && m.relaxed {
		m.simdOps++
		m.seen[relaxedDotName]++
		return nil
	}
	if sub > 255 {
		return fmt.Errorf("SIMD opcode %d (relaxed SIMD?) not allowed", sub)
	}
	m.simdOps++
	if name, ok := simdNames[sub]; ok {
		m.seen[name]++
	}
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads, splats, store, load_zero
		return memarg(r)
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		_, err = r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		_, err = r.byte()
	case sub >= 84 && sub <= 91: // load/store lane
		if err = memarg(r); err == nil {
			_, err = r.byte()
		}
	}
	return err
}
