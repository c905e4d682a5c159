package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// golden.json is produced by testdata/gen_golden.py with Debian's numpy,
// scikit-learn and scikit-image (versions recorded in the file).
type golden struct {
	Versions map[string]string `json:"versions"`
	Binary   []struct {
		Name   string    `json:"name"`
		Dtype  string    `json:"dtype"`
		Scores []float64 `json:"scores"`
		Labels []int     `json:"labels"`
		AUROC  *float64  `json:"auroc"`
		AP     *float64  `json:"ap"`
		F1Max  *float64  `json:"f1max"`
	} `json:"binary"`
	AUPRO []struct {
		Name          string      `json:"name"`
		H             int         `json:"H"`
		W             int         `json:"W"`
		Maps          [][]float64 `json:"maps"`
		Masks         [][]int     `json:"masks"`
		Thresholds    []float64   `json:"thresholds"`
		ThresholdsF32 []float64   `json:"thresholds_f32"`
		PRO           []*float64  `json:"pro"`
		FPR           []float64   `json:"fpr"`
		Regions       int         `json:"regions"`
		AUPRO         *float64    `json:"aupro"`
		RegionsConn1  int         `json:"regions_conn1"`
		AUPROConn1    *float64    `json:"aupro_conn1"`
	} `json:"aupro"`
	Arange []struct {
		Lo         float64   `json:"lo"`
		Hi         float64   `json:"hi"`
		Thresholds []float64 `json:"thresholds"`
	} `json:"arange"`
	Rounding struct {
		Format []struct {
			V float64 `json:"v"`
			S string  `json:"s"`
		} `json:"format"`
		Mean []struct {
			Values []float64 `json:"values"`
			Mean   float64   `json:"mean"`
			S      string    `json:"s"`
		} `json:"mean"`
	} `json:"rounding"`
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Binary) == 0 || len(g.AUPRO) == 0 || len(g.Arange) == 0 {
		t.Fatal("golden file incomplete")
	}
	return &g
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func checkValue(t *testing.T, what string, got Value, want *float64, tol float64) {
	t.Helper()
	if want == nil {
		if got.OK() {
			t.Errorf("%s = %v, want n/a (reference raises / nan)", what, got.V)
		} else if !errors.Is(got.Err, ErrUndefined) {
			t.Errorf("%s: error %v does not match ErrUndefined", what, got.Err)
		}
		return
	}
	if !got.OK() {
		t.Errorf("%s: n/a (%v), want %v", what, got.Err, *want)
		return
	}
	if !near(got.V, *want, tol) {
		t.Errorf("%s = %.17g, want %.17g (diff %g)", what, got.V, *want, got.V-*want)
	}
}

func TestBinaryGolden(t *testing.T) {
	g := loadGolden(t)
	t.Logf("golden from %v", g.Versions)
	for _, c := range g.Binary {
		labels := make([]bool, len(c.Labels))
		for i, l := range c.Labels {
			labels[i] = l == 1
		}
		var results []BinaryResult
		switch c.Dtype {
		case "float64":
			r, err := Binary(c.Scores, labels)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			results = append(results, r)
		case "float32":
			s32 := make([]float32, len(c.Scores))
			for i, v := range c.Scores {
				s32[i] = float32(v)
				if float64(s32[i]) != v {
					t.Fatalf("%s: golden score %v is not a float32", c.Name, v)
				}
			}
			r, err := Binary32(s32, labels)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			results = append(results, r)
			// the same pixels split over several "images"
			var maps [][]float32
			var masks [][]bool
			for lo := 0; lo < len(s32); lo += 700 {
				hi := min(lo+700, len(s32))
				maps = append(maps, s32[lo:hi])
				masks = append(masks, labels[lo:hi])
			}
			r, err = BinaryMaps(maps, masks)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			results = append(results, r)
		default:
			t.Fatalf("%s: dtype %q", c.Name, c.Dtype)
		}
		for _, r := range results {
			checkValue(t, c.Name+" AUROC", r.AUROC, c.AUROC, 1e-13)
			checkValue(t, c.Name+" AP", r.AP, c.AP, 1e-13)
			// F1 is evaluated with numpy's exact expression: bit-identical.
			checkValue(t, c.Name+" F1-max", r.F1Max, c.F1Max, 0)
		}
		// the single-metric helpers agree with Binary
		if c.Dtype == "float64" {
			a, err := AUROC(c.Scores, labels)
			checkValue(t, c.Name+" AUROC()", valueOf(a, err), c.AUROC, 1e-13)
			a, err = AP(c.Scores, labels)
			checkValue(t, c.Name+" AP()", valueOf(a, err), c.AP, 1e-13)
			a, err = F1Max(c.Scores, labels)
			checkValue(t, c.Name+" F1Max()", valueOf(a, err), c.F1Max, 0)
		}
	}
}

func goldenMaps(H, W int, maps [][]float64, masks [][]int) ([][]float32, [][]bool) {
	m32 := make([][]float32, len(maps))
	mb := make([][]bool, len(masks))
	for i := range maps {
		m32[i] = make([]float32, H*W)
		mb[i] = make([]bool, H*W)
		for j := range maps[i] {
			m32[i][j] = float32(maps[i][j])
			mb[i][j] = masks[i][j] != 0
		}
	}
	return m32, mb
}

func TestAUPROGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.AUPRO {
		maps, masks := goldenMaps(c.H, c.W, c.Maps, c.Masks)
		got, err := AUPRO(maps, masks, c.H, c.W)
		checkValue(t, c.Name+" AUPRO", valueOf(got, err), c.AUPRO, 1e-14)
		if c.Thresholds == nil {
			continue
		}
		curve, err := ComputePROCurve(maps, masks, c.H, c.W)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if curve.Regions != c.Regions {
			t.Errorf("%s: %d regions, skimage (8-connectivity) finds %d", c.Name, curve.Regions, c.Regions)
		}
		if len(curve.Thresholds) != len(c.ThresholdsF32) {
			t.Fatalf("%s: %d thresholds, np.arange gives %d", c.Name, len(curve.Thresholds), len(c.ThresholdsF32))
		}
		for j := range curve.Thresholds {
			if float64(curve.Thresholds[j]) != c.ThresholdsF32[j] {
				t.Errorf("%s: threshold %d = %v, want %v", c.Name, j, curve.Thresholds[j], c.ThresholdsF32[j])
			}
			// The curve reproduces numpy's arithmetic: exact equality.
			if curve.FPR[j] != c.FPR[j] {
				t.Errorf("%s: FPR[%d] = %.17g, want %.17g", c.Name, j, curve.FPR[j], c.FPR[j])
			}
			switch {
			case c.PRO[j] == nil:
				if !math.IsNaN(curve.PRO[j]) {
					t.Errorf("%s: PRO[%d] = %v, want nan", c.Name, j, curve.PRO[j])
				}
			case curve.PRO[j] != *c.PRO[j]:
				t.Errorf("%s: PRO[%d] = %.17g, want %.17g", c.Name, j, curve.PRO[j], *c.PRO[j])
			}
		}
		if c.AUPRO != nil && got != *c.AUPRO {
			t.Logf("%s: AUPRO within tolerance but not bit-identical: %.17g vs %.17g", c.Name, got, *c.AUPRO)
		}
		if c.RegionsConn1 != c.Regions {
			// 8- and 4-connectivity differ here: we must match the 8-connected result only.
			if c.AUPROConn1 == nil || c.AUPRO == nil || near(*c.AUPROConn1, *c.AUPRO, 1e-6) {
				t.Fatalf("%s: golden does not separate 4- from 8-connectivity", c.Name)
			}
			if near(got, *c.AUPROConn1, 1e-9) {
				t.Errorf("%s: AUPRO %v equals the 4-connectivity value", c.Name, got)
			}
		}
	}
}

func TestArangeGolden(t *testing.T) {
	g := loadGolden(t)
	n201 := 0
	for _, c := range g.Arange {
		lo, hi := float32(c.Lo), float32(c.Hi)
		if float64(lo) != c.Lo || float64(hi) != c.Hi {
			t.Fatalf("golden bounds %v %v are not float32", c.Lo, c.Hi)
		}
		th := proThresholds(lo, hi, PROSteps)
		if len(th) != len(c.Thresholds) {
			t.Errorf("arange(%v, %v): %d thresholds, numpy %d", lo, hi, len(th), len(c.Thresholds))
			continue
		}
		if len(th) == 201 {
			n201++
		}
		for j := range th {
			if th[j] != c.Thresholds[j] {
				t.Errorf("arange(%v, %v)[%d] = %.17g, numpy %.17g", lo, hi, j, th[j], c.Thresholds[j])
				break
			}
		}
	}
	if n201 == 0 {
		t.Error("golden has no 201-threshold case")
	}
}

func TestRoundingGolden(t *testing.T) {
	g := loadGolden(t)
	if len(g.Rounding.Format) == 0 || len(g.Rounding.Mean) == 0 {
		t.Fatal("no rounding goldens")
	}
	for _, c := range g.Rounding.Format {
		if s := FormatPct(c.V); s != c.S {
			t.Errorf("FormatPct(%v) = %q, numpy %q", c.V, s, c.S)
		}
	}
	for _, c := range g.Rounding.Mean {
		m := npMean(c.Values)
		if m != c.Mean {
			t.Errorf("mean of %d values = %.17g, np.mean %.17g", len(c.Values), m, c.Mean)
		}
		if s := FormatPct(m); s != c.S {
			t.Errorf("mean of %d values formats %q, numpy %q", len(c.Values), s, c.S)
		}
	}
}
