package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, ts []Tensor) []byte {
	var b bytes.Buffer
	if err := Write(&b, ts, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func open(b []byte) (*File, error) { return NewReader(bytes.NewReader(b), int64(len(b)), "mem") }

func TestRoundTrip(t *testing.T) {
	b := write(t, []Tensor{{"a.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, -6}}, {"s", []int{}, []float32{7}}})
	f, err := open(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["k"] != "v" || len(f.Names()) != 2 {
		t.Fatalf("metadata/names: %v %v", f.Metadata, f.Names())
	}
	d, err := f.Float32("a.weight")
	if err != nil || d[5] != -6 || d[0] != 1 {
		t.Fatalf("%v %v", d, err)
	}
	if s, _ := f.Float32("s"); s[0] != 7 {
		t.Fatal("scalar")
	}
	if _, err := f.Float32("nope"); err == nil {
		t.Error("missing tensor read")
	}
}

// F16 / BF16 conversion against hand-computed values.
func TestHalfAndBF16(t *testing.T) {
	cases := map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x3555: 0.33325195, 0x0001: 5.9604645e-08, 0x7bff: 65504, 0x0000: 0}
	for h, want := range cases {
		if got := HalfToFloat(h); got != want {
			t.Errorf("half %#04x = %g, want %g", h, got, want)
		}
	}
	if !math.IsInf(float64(HalfToFloat(0x7c00)), 1) {
		t.Error("half +inf")
	}
	hdr := `{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}`
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(hdr)))
	buf.WriteString(hdr)
	binary.Write(&buf, binary.LittleEndian, []uint16{0x3c00, 0xc000, 0x4049}) // bf16 0x4049 = 3.140625
	f, err := open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.Float32("h")
	bf, _ := f.Float32("b")
	if h[0] != 1 || h[1] != -2 || bf[0] != 3.140625 {
		t.Errorf("got %v %v", h, bf)
	}
}

func TestBadFiles(t *testing.T) {
	good := write(t, []Tensor{{"a", []int{4}, []float32{1, 2, 3, 4}}})
	hl := int(binary.LittleEndian.Uint64(good))
	mk := func(hdr string, data int) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, uint64(len(hdr)))
		b.WriteString(hdr)
		b.Write(make([]byte, data))
		return b.Bytes()
	}
	cases := map[string][]byte{
		"zero bytes":         {},
		"short":              {1, 2, 3},
		"huge header length": append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0}, good[8:]...),
		"truncated data":     good[:len(good)-3],
		"truncated header":   good[:8+hl/2],
		"corrupt json":       mk(`{"a":{"dtype":"F32",`, 16),
		"bad offsets":        mk(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[8,0]}}`, 16),
		"size mismatch":      mk(`{"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}`, 16),
		"unknown dtype":      mk(`{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}`, 4),
		"negative dim":       mk(`{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}`, 16),
		"absurd shape":       mk(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}`, 16),
	}
	for name, b := range cases {
		if _, err := open(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// an integer tensor is readable as info but refused as float
	f, err := open(mk(`{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}`, 16))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float32("i"); err == nil || !strings.Contains(err.Error(), "I64") {
		t.Errorf("int tensor read as float: %v", err)
	}
	// a file on disk
	p := filepath.Join(t.TempDir(), "x.safetensors")
	os.WriteFile(p, good[:len(good)-1], 0o644)
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated file: %v", err)
	}
}

func FuzzNewReader(f *testing.F) {
	var b bytes.Buffer
	Write(&b, []Tensor{{"a", []int{2}, []float32{1, 2}}}, nil)
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := open(data)
		if err != nil {
			return
		}
		for _, n := range sf.Names() {
			sf.Float32(n)
		}
	})
}
