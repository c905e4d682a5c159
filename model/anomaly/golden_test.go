package anomaly

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// testdata/golden.json is written by testdata/gen_golden.py with Debian's
// numpy, scipy and OpenCV (versions recorded in the file).
type golden struct {
	Versions map[string]string `json:"versions"`
	Surgery  []struct {
		T, E         int
		F            []float32 `json:"F"`
		Tn           []float32 `json:"tn"`
		Ta           []float32 `json:"ta"`
		SimAbnormal  []float64 `json:"sim_abnormal"`
		SimNormal    []float64 `json:"sim_normal"`
		Pn           float64   `json:"pn"`
		Pa           float64   `json:"pa"`
		ProbAbnormal float64   `json:"prob_abnormal_100"`
	} `json:"surgery"`
	Bilinear []struct {
		InH          int       `json:"in_h"`
		InW          int       `json:"in_w"`
		OutH         int       `json:"out_h"`
		OutW         int       `json:"out_w"`
		AlignCorners bool      `json:"align_corners"`
		Src          []float32 `json:"src"`
		Rows         []int     `json:"rows"`
		Cols         []int     `json:"cols"`
		Out          []float32 `json:"out"`
	} `json:"bilinear"`
	Gaussian []struct {
		H, W, Seed int
		Sigma      float64   `json:"sigma"`
		Rows       []int     `json:"rows"`
		Cols       []int     `json:"cols"`
		Out        []float32 `json:"out"`
		Sum        float64   `json:"sum"`
		Max        float64   `json:"max"`
		Argmax     int       `json:"argmax"`
	} `json:"gaussian"`
	GaussianKernels map[string][]float64 `json:"gaussian_kernels"`
	SDP             []struct {
		Grid, E, Size int
		Sigma         float64     `json:"sigma"`
		Stages        [][]float32 `json:"stages"`
		Tn            []float32   `json:"tn"`
		Ta            []float32   `json:"ta"`
		Raw           []float64   `json:"raw"`
		Rows          []int       `json:"rows"`
		Cols          []int       `json:"cols"`
		Smoothed      []float32   `json:"smoothed"`
		Max           float64     `json:"max"`
	} `json:"sdp"`
	Scores []struct {
		S0    []float64 `json:"s0"`
		S1    []float64 `json:"s1"`
		Score []float64 `json:"score"`
	} `json:"scores"`
	JETLUT  [][3]int `json:"jet_lut"`
	Overlay []struct {
		Name    string `json:"name"`
		W, H    int
		Alpha   float64   `json:"alpha"`
		Map     []float32 `json:"map"`
		Image   []int     `json:"image"` // bytes (encoding/json wants base64 for []uint8)
		Overlay []int     `json:"overlay"`
		JET     []int     `json:"jet"`
	} `json:"overlay"`
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("parse golden: %v", err)
	}
	if len(g.Surgery) == 0 || len(g.Bilinear) == 0 || len(g.Gaussian) == 0 || len(g.SDP) == 0 ||
		len(g.Scores) == 0 || len(g.JETLUT) != 256 || len(g.Overlay) == 0 || len(g.GaussianKernels) != 3 {
		t.Fatalf("golden incomplete")
	}
	t.Logf("golden versions: %v", g.Versions)
	return &g
}

func u8(t *testing.T, v []int) []uint8 {
	t.Helper()
	out := make([]uint8, len(v))
	for i, x := range v {
		if x < 0 || x > 255 {
			t.Fatalf("golden byte %d", x)
		}
		out[i] = uint8(x)
	}
	return out
}

// pattern reproduces gen_golden.py's integer-only test image bit for bit.
func pattern(h, w, seed int) []float32 {
	out := make([]float32, h*w)
	rad := min(h, w) / 4
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			v := (r*r*7 + c*13 + r*c*3 + seed*17) % 251
			rr, cc := r-h/2, c-w/3
			if rr*rr+cc*cc < rad*rad {
				v += 500
			}
			out[r*w+c] = float32(float64(v) / 250.0)
		}
	}
	return out
}

// near reports |got − want| ≤ tol·max(1, |want|).
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func TestFeatureSurgeryGolden(t *testing.T) {
	g := loadGolden(t)
	for k, c := range g.Surgery {
		sim, pn, pa, err := FeatureSurgery(c.F, c.Tn, c.Ta)
		if err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		if !near(pn, c.Pn, 1e-14) || !near(pa, c.Pa, 1e-14) {
			t.Fatalf("case %d: p = (%v, %v), want (%v, %v)", k, pn, pa, c.Pn, c.Pa)
		}
		for i := range sim {
			if !near(float64(sim[i]), c.SimAbnormal[i], 1e-6) {
				t.Fatalf("case %d token %d: sim %v, want %v", k, i, sim[i], c.SimAbnormal[i])
			}
			if !near(-float64(sim[i]), c.SimNormal[i], 1e-6) {
				t.Fatalf("case %d token %d: normal channel %v ≠ −abnormal %v", k, i, c.SimNormal[i], sim[i])
			}
		}
		p, err := ProbAbnormal(c.F[:c.E], c.Tn, c.Ta)
		if err != nil {
			t.Fatal(err)
		}
		if !near(p, c.ProbAbnormal, 1e-12) {
			t.Fatalf("case %d: ProbAbnormal %v, want %v", k, p, c.ProbAbnormal)
		}
		t.Logf("case %d: T=%d E=%d p_a=%.4f s0=%.4g", k, c.T, c.E, pa, p)
	}
}

func TestBilinearGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Bilinear {
		name := strconv.Itoa(c.InH) + "x" + strconv.Itoa(c.InW) + "→" + strconv.Itoa(c.OutH) + "x" +
			strconv.Itoa(c.OutW) + " align_corners=" + strconv.FormatBool(c.AlignCorners)
		out, err := Bilinear(c.Src, c.InH, c.InW, c.OutH, c.OutW, c.AlignCorners)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		k := 0
		for _, r := range c.Rows {
			for _, col := range c.Cols {
				got, want := out[r*c.OutW+col], c.Out[k]
				k++
				if !near(float64(got), float64(want), 3e-7) {
					t.Fatalf("%s: (%d,%d) = %v, want %v", name, r, col, got, want)
				}
			}
		}
		if !c.AlignCorners && c.InH == c.InW {
			o2, err := ToOriginal(c.Src, c.InH, c.OutW, c.OutH)
			if err != nil {
				t.Fatal(err)
			}
			for i := range o2 {
				if o2[i] != out[i] {
					t.Fatalf("%s: ToOriginal differs from Bilinear at %d", name, i)
				}
			}
		}
	}
}

func TestGaussianGolden(t *testing.T) {
	g := loadGolden(t)
	for s, want := range g.GaussianKernels {
		sigma, _ := strconv.ParseFloat(s, 64)
		k, err := GaussianKernel(sigma)
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != len(want) {
			t.Fatalf("σ=%v: %d taps, want %d", sigma, len(k), len(want))
		}
		for i := range k {
			if !near(k[i], want[i], 1e-15) {
				t.Fatalf("σ=%v tap %d: %v, want %v", sigma, i, k[i], want[i])
			}
		}
	}
	worst := 0.0
	for _, c := range g.Gaussian {
		img := pattern(c.H, c.W, c.Seed)
		out, err := Gaussian(img, c.H, c.W, c.Sigma)
		if err != nil {
			t.Fatalf("%dx%d σ=%v: %v", c.H, c.W, c.Sigma, err)
		}
		k := 0
		for _, r := range c.Rows {
			for _, col := range c.Cols {
				got, want := float64(out[r*c.W+col]), float64(c.Out[k])
				k++
				d := math.Abs(got-want) / math.Max(1, math.Abs(want))
				worst = math.Max(worst, d)
				if d > 1e-6 {
					t.Fatalf("%dx%d σ=%v: (%d,%d) = %v, want %v", c.H, c.W, c.Sigma, r, col, got, want)
				}
			}
		}
		sum, mx, am := 0.0, math.Inf(-1), -1
		for i, v := range out {
			sum += float64(v)
			if float64(v) > mx {
				mx, am = float64(v), i
			}
		}
		if !near(sum, c.Sum, 1e-6) || mx != c.Max && !near(mx, c.Max, 1e-6) {
			t.Fatalf("%dx%d σ=%v: sum %v max %v, want %v %v", c.H, c.W, c.Sigma, sum, mx, c.Sum, c.Max)
		}
		if am != c.Argmax && !near(float64(out[c.Argmax]), mx, 1e-6) {
			t.Fatalf("%dx%d σ=%v: argmax %d, want %d", c.H, c.W, c.Sigma, am, c.Argmax)
		}
	}
	t.Logf("worst relative difference to scipy: %.3g", worst)
}

func TestSDPMapGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.SDP {
		raw, sm, err := SDPMap(c.Stages, c.Tn, c.Ta, c.Grid, c.Size, c.Sigma)
		if err != nil {
			t.Fatalf("grid %d: %v", c.Grid, err)
		}
		if len(raw) != c.Grid*c.Grid || len(sm) != c.Size*c.Size {
			t.Fatalf("grid %d: sizes %d %d", c.Grid, len(raw), len(sm))
		}
		for i := range raw {
			if !near(float64(raw[i]), c.Raw[i], 1e-6) {
				t.Fatalf("grid %d: raw[%d] = %v, want %v", c.Grid, i, raw[i], c.Raw[i])
			}
		}
		k := 0
		for _, r := range c.Rows {
			for _, col := range c.Cols {
				got, want := float64(sm[r*c.Size+col]), float64(c.Smoothed[k])
				k++
				if !near(got, want, 2e-6) {
					t.Fatalf("grid %d: smoothed (%d,%d) = %v, want %v", c.Grid, r, col, got, want)
				}
			}
		}
		mx, err := MaxValue(sm)
		if err != nil || !near(mx, c.Max, 2e-6) {
			t.Fatalf("grid %d: max %v (%v), want %v", c.Grid, mx, err, c.Max)
		}
	}
}

func TestBatchScoresGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Scores {
		got, err := BatchScores(c.S0, c.S1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !near(got[i], c.Score[i], 1e-15) {
				t.Fatalf("score[%d] = %v, want %v", i, got[i], c.Score[i])
			}
		}
		// a calibration fitted on the same images reproduces batch mode
		cal, err := FitCalibration(c.S0, c.S1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			s, err := cal.Score(c.S0[i], c.S1[i])
			if err != nil {
				t.Fatal(err)
			}
			if s != got[i] {
				t.Fatalf("fitted single score %d = %v, batch %v", i, s, got[i])
			}
		}
	}
}

func TestJETGolden(t *testing.T) {
	g := loadGolden(t)
	for i, want := range g.JETLUT {
		r, gg, b := JET(uint8(i))
		if [3]int{int(r), int(gg), int(b)} != want {
			t.Fatalf("JET(%d) = %v, want %v (OpenCV %s)", i, [3]uint8{r, gg, b}, want, g.Versions["opencv"])
		}
	}
	for _, c := range g.Overlay {
		jet, err := ColorizeJET(c.Map)
		if err != nil {
			t.Fatal(err)
		}
		for i := range jet {
			if int(jet[i]) != c.JET[i] {
				t.Fatalf("%s: ColorizeJET byte %d = %d, want %d", c.Name, i, jet[i], c.JET[i])
			}
		}
		vis, err := Overlay(u8(t, c.Image), c.W, c.H, c.Map, c.Alpha)
		if err != nil {
			t.Fatal(err)
		}
		for i := range vis {
			if int(vis[i]) != c.Overlay[i] {
				t.Fatalf("%s α=%v: overlay byte %d = %d, want %d", c.Name, c.Alpha, i, vis[i], c.Overlay[i])
			}
		}
	}
}
