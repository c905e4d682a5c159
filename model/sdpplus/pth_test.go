package sdpplus

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// pw writes pickle opcodes the way Python's protocol-2 pickler (and so
// torch.save) does: every container, string and global memoized with
// BINPUT, repeated objects fetched with BINGET.
type pw struct {
	b    bytes.Buffer
	memo int
}

func (p *pw) op(b ...byte) { p.b.Write(b) }
func (p *pw) put() {
	if p.memo < 256 {
		p.op('q', byte(p.memo))
	} else {
		p.op('r')
		binary.Write(&p.b, binary.LittleEndian, uint32(p.memo))
	}
	p.memo++
}
func (p *pw) str(s string) {
	p.op('X')
	binary.Write(&p.b, binary.LittleEndian, uint32(len(s)))
	p.b.WriteString(s)
	p.put()
}
func (p *pw) global(mod, name string) int {
	p.op('c')
	p.b.WriteString(mod + "\n" + name + "\n")
	id := p.memo
	p.put()
	return id
}
func (p *pw) get(id int) { p.op('h', byte(id)) }
func (p *pw) int(v int) {
	switch {
	case v >= 0 && v < 256:
		p.op('K', byte(v))
	case v >= 0 && v < 65536:
		p.op('M')
		binary.Write(&p.b, binary.LittleEndian, uint16(v))
	default:
		p.op('J')
		binary.Write(&p.b, binary.LittleEndian, int32(v))
	}
}
func (p *pw) tuple(vals ...int) {
	switch len(vals) {
	case 1, 2, 3:
		for _, v := range vals {
			p.int(v)
		}
		p.op(0x84 + byte(len(vals)))
	default:
		p.op('(')
		for _, v := range vals {
			p.int(v)
		}
		p.op('t')
	}
	p.put()
}

// ptTensor is one tensor of a synthetic checkpoint: a view (offset, size,
// stride) on storage key.
type ptTensor struct {
	name         string
	key          string
	offset       int
	size, stride []int
	storageType  string
	storageNumel int
}

// writeStateDict writes an OrderedDict state dict like
// nn.Module.state_dict() pickles (including its _metadata attribute).
func (p *pw) stateDict(od int, ts []ptTensor, globals map[string]int) {
	p.op(')') // the OrderedDict global was just pushed
	p.op('R')
	p.put()
	p.op('(')
	for _, t := range ts {
		p.str(t.name)
		rb, ok := globals["rebuild"]
		if !ok {
			rb = p.global("torch._utils", "_rebuild_tensor_v2")
			globals["rebuild"] = rb
		} else {
			p.get(rb)
		}
		p.op('(') // _rebuild_tensor_v2 arguments
		p.op('(') // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
		p.str("storage")
		if g, ok := globals[t.storageType]; ok {
			p.get(g)
		} else {
			globals[t.storageType] = p.global("torch", t.storageType)
		}
		p.str(t.key)
		p.str("cpu")
		p.int(t.storageNumel)
		p.op('t')
		p.put()
		p.op('Q')
		p.int(t.offset)
		p.tuple(t.size...)
		p.tuple(t.stride...)
		p.op(0x89) // requires_grad False
		p.get(od)
		p.op(')')
		p.op('R')
		p.put()
		p.op('t')
		p.put()
		p.op('R')
		p.put()
	}
	p.op('u')
	// BUILD with the _metadata attribute: {'_metadata': OrderedDict([('', {'version': 1})])}
	p.op('}')
	p.put()
	p.str("_metadata")
	p.get(od)
	p.op(')')
	p.op('R')
	p.put()
	p.str("")
	p.op('}')
	p.put()
	p.str("version")
	p.int(1)
	p.op('s')
	p.op('s')
	p.op('s')
	p.op('b')
}

// buildPTH writes a zip-format torch.save file of
// {'linear_layers': OrderedDict(fc.k.weight/bias)} with one storage per
// tensor, in torch 1.13's layout (archive/data.pkl, archive/data/<key>,
// archive/version). data maps storage keys to their float32 values.
func buildPTH(t testing.TB, ts []ptTensor, data map[string][]float32, wrap bool) []byte {
	p := &pw{}
	p.op(0x80, 2)
	globals := map[string]int{}
	if wrap {
		p.op('}')
		p.put()
		p.str("linear_layers")
	}
	od := p.global("collections", "OrderedDict")
	p.stateDict(od, ts, globals)
	if wrap {
		p.op('s')
	}
	p.op('.')
	return zipPTH(t, p.b.Bytes(), data)
}

func zipPTH(t testing.TB, pkl []byte, data map[string][]float32) []byte {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	add := func(name string, b []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	add("archive/data.pkl", pkl)
	add("archive/byteorder", []byte("little"))
	for k, v := range data {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		add("archive/data/"+k, b)
	}
	add("archive/version", []byte("3\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// officialLayout returns a head's tensors as torch saves a state dict:
// fc.k.weight [E,W] and fc.k.bias [E], each on its own storage.
func officialLayout(h *Head) ([]ptTensor, map[string][]float32) {
	var ts []ptTensor
	data := map[string][]float32{}
	for k := range Stages {
		wk, bk := fmt.Sprint(2*k), fmt.Sprint(2*k+1)
		ts = append(ts,
			ptTensor{name: WeightName(k), key: wk, size: []int{h.Embed, h.Width}, stride: []int{h.Width, 1}, storageType: "FloatStorage", storageNumel: h.Embed * h.Width},
			ptTensor{name: BiasName(k), key: bk, size: []int{h.Embed}, stride: []int{1}, storageType: "FloatStorage", storageNumel: h.Embed})
		data[wk], data[bk] = h.Weight[k], h.Bias[k]
	}
	return ts, data
}

func randomHead(W, E int, seed uint64) *Head {
	r := rand.New(rand.NewPCG(seed, 2))
	h := NewHead(W, E)
	for k := range Stages {
		for i := range h.Weight[k] {
			h.Weight[k][i] = float32(r.NormFloat64() * 0.05)
		}
		for i := range h.Bias[k] {
			h.Bias[k][i] = float32(r.NormFloat64() * 0.05)
		}
	}
	// awkward bit patterns must survive: a denormal, −0, the largest float
	h.Weight[0][0] = math.Float32frombits(1)
	h.Weight[1][1] = float32(math.Copysign(0, -1))
	h.Bias[2][0] = math.MaxFloat32
	return h
}

func sameBits(t *testing.T, got, want *Head) {
	t.Helper()
	if got.Width != want.Width || got.Embed != want.Embed {
		t.Fatalf("size %d→%d, want %d→%d", got.Width, got.Embed, want.Width, want.Embed)
	}
	for k := range Stages {
		for _, pair := range [2][2][]float32{{got.Weight[k], want.Weight[k]}, {got.Bias[k], want.Bias[k]}} {
			if len(pair[0]) != len(pair[1]) {
				t.Fatalf("stage %d: %d values, want %d", k, len(pair[0]), len(pair[1]))
			}
			for i := range pair[0] {
				if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
					t.Fatalf("stage %d value %d: %v, want %v (bits differ)", k, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}

func TestImportPTHExact(t *testing.T) {
	h := randomHead(12, 5, 1)
	ts, data := officialLayout(h)
	for _, wrap := range []bool{true, false} {
		got, err := ImportPTH(buildPTH(t, ts, data, wrap), "dir/train_on_mvtec.pth")
		if err != nil {
			t.Fatalf("wrap %v: %v", wrap, err)
		}
		sameBits(t, got, h)
		if got.Meta.Source != "import train_on_mvtec.pth" {
			t.Errorf("source %q", got.Meta.Source)
		}
	}
	// Parse and Load tell the formats apart
	p := t.TempDir() + "/x.pth"
	if err := os.WriteFile(p, buildPTH(t, ts, data, true), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, got, h)
}

// Views: a shared storage with offsets, a transposed (non-contiguous)
// weight, and a half-precision storage are gathered element by element.
func TestImportPTHViews(t *testing.T) {
	const W, E = 4, 3
	h := randomHead(W, E, 2)
	ts, data := officialLayout(h)
	// fc.1.weight stored transposed: storage holds Wᵀ (W×E), view stride (1, E)
	wt := make([]float32, W*E)
	for e := 0; e < E; e++ {
		for w := 0; w < W; w++ {
			wt[w*E+e] = h.Weight[1][e*W+w]
		}
	}
	data["2"] = wt
	ts[2].stride = []int{1, E}
	// fc.2.bias and fc.3.bias share one storage at offsets 1 and 1+E
	shared := append(append([]float32{99}, h.Bias[2]...), h.Bias[3]...)
	data["shared"] = shared
	delete(data, "5")
	delete(data, "7")
	ts[5] = ptTensor{name: BiasName(2), key: "shared", offset: 1, size: []int{E}, stride: []int{1}, storageType: "FloatStorage", storageNumel: len(shared)}
	ts[7] = ptTensor{name: BiasName(3), key: "shared", offset: 1 + E, size: []int{E}, stride: []int{1}, storageType: "FloatStorage", storageNumel: len(shared)}
	got, err := ImportPTH(buildPTH(t, ts, data, true), "views.pth")
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, got, h)
}

func TestImportPTHBadInput(t *testing.T) {
	const W, E = 6, 4
	h := randomHead(W, E, 3)
	good := func() ([]ptTensor, map[string][]float32) {
		ts, d := officialLayout(h)
		return ts, d
	}
	rawPickle := func(ops string) []byte { return zipPTH(t, []byte(ops), nil) }
	cases := []struct {
		name string
		make func() []byte
		want string
	}{
		{"not a pickle", func() []byte { return []byte("hello, this is text") }, "not an SDP+ checkpoint"},
		{"empty", func() []byte { return nil }, "not an SDP+ checkpoint"},
		{"legacy", func() []byte { return append(append([]byte{}, legacyMagic...), 0x2e) }, "legacy"},
		{"bare pickle", func() []byte { return []byte{0x80, 2, '}', '.'} }, "bare pickle"},
		{"corrupt zip", func() []byte { return append([]byte("PK\x03\x04"), make([]byte, 40)...) }, "corrupt zip"},
		{"no data.pkl", func() []byte {
			var z bytes.Buffer
			zw := zip.NewWriter(&z)
			w, _ := zw.Create("archive/version")
			w.Write([]byte("3\n"))
			zw.Close()
			return z.Bytes()
		}, "expected one <name>/data.pkl in the archive, found 0"},
		{"missing tensor", func() []byte {
			ts, d := good()
			return buildPTH(t, ts[:7], d, true)
		}, "no fc.3.bias"},
		{"mis-shaped bias", func() []byte {
			ts, d := good()
			d["1"] = append(d["1"], 0)
			ts[1].size, ts[1].storageNumel = []int{E + 1}, E+1
			return buildPTH(t, ts, d, true)
		}, "fc.0.bias has shape [5], want [4]"},
		{"1-d weight", func() []byte {
			ts, d := good()
			ts[0].size, ts[0].stride = []int{E * W}, []int{1}
			return buildPTH(t, ts, d, true)
		}, "fc.0.weight has shape [24], want [E,W]"},
		{"other width in stage 3", func() []byte {
			ts, d := good()
			ts[4].size, ts[4].stride = []int{E / 2, 2 * W}, []int{2 * W, 1}
			return buildPTH(t, ts, d, true)
		}, "fc.2.weight has shape [2 12]"},
		{"storage file missing", func() []byte {
			ts, d := good()
			delete(d, "3")
			return buildPTH(t, ts, d, true)
		}, "missing from the archive"},
		{"storage size wrong", func() []byte {
			ts, d := good()
			d["3"] = d["3"][:2]
			return buildPTH(t, ts, d, true)
		}, "holds 8 bytes"},
		{"view past storage", func() []byte {
			ts, d := good()
			ts[1].offset = 2
			return buildPTH(t, ts, d, true)
		}, "runs past its storage"},
		{"unknown storage type", func() []byte {
			ts, d := good()
			ts[0].storageType = "LongStorage"
			return buildPTH(t, ts, d, true)
		}, "global torch.LongStorage is not allowed"},
		{"code-running global", func() []byte {
			return rawPickle("\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.")
		}, "global os.system is not allowed"},
		{"builtins eval", func() []byte { return rawPickle("\x80\x02cbuiltins\neval\n.") }, "global builtins.eval is not allowed"},
		{"unknown opcode", func() []byte { return rawPickle("\x80\x02(S'x'\n.") }, "unsupported pickle opcode 0x53"},
		{"truncated string", func() []byte { return rawPickle("\x80\x02X\xff\xff\x00\x00ab") }, "longer than the data left"},
		{"no STOP", func() []byte { return rawPickle("\x80\x02}") }, "no STOP"},
		{"stack underflow", func() []byte { return rawPickle("\x80\x02s.") }, "stack underflow"},
		{"undefined memo", func() []byte { return rawPickle("\x80\x02h\x07.") }, "memo key 7 not defined"},
		{"top-level list", func() []byte { return rawPickle("\x80\x02].") }, "expected a dict"},
		{"no linear_layers", func() []byte { return rawPickle("\x80\x02}X\x05\x00\x00\x00modelK\x01s.") }, "no linear_layers entry (keys: model)"},
		{"call a storage type", func() []byte { return rawPickle("\x80\x02ctorch\nFloatStorage\n)R.") }, "torch.FloatStorage cannot be called"},
		{"BUILD on a tensor", func() []byte { return rawPickle("\x80\x02K\x01}b.") }, "BUILD on a int"},
		{"protocol 1", func() []byte { return rawPickle("\x80\x01}.") }, "protocol 1"},
		{"extra entry", func() []byte {
			ts, d := good()
			ts = append(ts, ptTensor{name: "proj.weight", key: "1", size: []int{E}, stride: []int{1}, storageType: "FloatStorage", storageNumel: E})
			return buildPTH(t, ts, d, true)
		}, "unexpected entries proj.weight"},
		{"big endian", func() []byte {
			ts, d := good()
			b := buildPTH(t, ts, d, true)
			return bytes.Replace(b, []byte("little"), []byte("big\x00\x00\x00"), 1)
		}, "endian"},
	}
	for _, c := range cases {
		b := c.make()
		_, err := Parse(b, c.name+".pth")
		if err == nil {
			t.Errorf("%s: imported without error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
		if IsPTH(b) && !errors.Is(err, ErrHead) {
			t.Errorf("%s: error %v does not wrap ErrHead", c.name, err)
		}
	}
}

// A half-precision storage is converted exactly (every binary16 value is
// a float32).
func TestImportPTHHalf(t *testing.T) {
	const W, E = 3, 2
	h := randomHead(W, E, 4)
	ts, data := officialLayout(h)
	// fc.0.bias as HalfStorage holding 1.5 and -2.25
	half := []uint16{0x3e00, 0xc080}
	ts[1].storageType = "HalfStorage"
	// the zip writer takes float32s; pack the two halves into one float32
	data["1"] = []float32{math.Float32frombits(uint32(half[0]) | uint32(half[1])<<16)}
	got, err := ImportPTH(buildPTH(t, ts, data, true), "half.pth")
	if err != nil {
		t.Fatal(err)
	}
	if got.Bias[0][0] != 1.5 || got.Bias[0][1] != -2.25 {
		t.Fatalf("half bias = %v, want [1.5 -2.25]", got.Bias[0])
	}
}
