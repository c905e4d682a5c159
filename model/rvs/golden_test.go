package rvs

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// testdata/golden.json is written by testdata/gen_golden.py with Debian's
// numpy / scikit-learn (versions recorded in the file). Inputs X are stored
// as float32 values (exactly what scikit-learn was given, widened).
type dbscanGolden struct {
	Eps        float64    `json:"eps"`
	MinSamples int        `json:"min_samples"`
	Labels     []int      `json:"labels"`
	Rep        *[]float64 `json:"rep"`
}

type golden struct {
	Versions map[string]string `json:"versions"`
	DBSCAN   []struct {
		Name string      `json:"name"`
		X    [][]float32 `json:"X"`
		dbscanGolden
		Params   map[string]dbscanGolden `json:"params"`
		CosRange []float64               `json:"cos_range"`
	} `json:"dbscan"`
	Reducers []struct {
		Name             string      `json:"name"`
		X                [][]float32 `json:"X"`
		CosRange         []float64   `json:"cos_range"`
		Mean             []float64   `json:"mean"`
		DBSCANMVTec      *[]float64  `json:"dbscan_mvtec"`
		DBSCANVisA       *[]float64  `json:"dbscan_visa"`
		PCA              []float64   `json:"pca"`
		KDE              []float64   `json:"kde"`
		KDELogDensity    []float64   `json:"kde_log_density"`
		MeanShift        []float64   `json:"mean_shift"`
		MeanShiftLabels  []int       `json:"mean_shift_labels"`
		MeanShiftCenters [][]float64 `json:"mean_shift_centers"`
	} `json:"reducers"`
	MeanShift []struct {
		Name      string      `json:"name"`
		X         [][]float32 `json:"X"`
		Bandwidth float64     `json:"bandwidth"`
		Labels    []int       `json:"labels"`
		Centers   [][]float64 `json:"centers"`
		Rep       []float64   `json:"rep"`
	} `json:"mean_shift"`
	PCA []struct {
		Name string      `json:"name"`
		X    [][]float32 `json:"X"`
		PCA  []float64   `json:"pca"`
	} `json:"pca"`
	KDE []struct {
		Name       string      `json:"name"`
		X          [][]float32 `json:"X"`
		Bandwidth  float64     `json:"bandwidth"`
		LogDensity []float64   `json:"log_density"`
		Rep        []float64   `json:"rep"`
	} `json:"kde"`
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
	if len(g.DBSCAN) == 0 || len(g.Reducers) == 0 || len(g.MeanShift) == 0 || len(g.PCA) == 0 || len(g.KDE) == 0 {
		t.Fatalf("golden incomplete")
	}
	t.Logf("golden versions: %v", g.Versions)
	return &g
}

func widen(X [][]float32) [][]float64 {
	out := make([][]float64, len(X))
	for i, r := range X {
		out[i] = make([]float64, len(r))
		for j, v := range r {
			out[i][j] = float64(v)
		}
	}
	return out
}

func assertVec(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("%s[%d] = %.17g, want %.17g (|Δ| %.3g > %.1g)", what, i, got[i], want[i], math.Abs(got[i]-want[i]), tol)
		}
	}
}

func assertVec32(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	g := make([]float64, len(got))
	for i, v := range got {
		g[i] = float64(v)
	}
	assertVec(t, what, g, want, tol)
}

func assertLabels(t *testing.T, what string, got, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d labels, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: label[%d] = %d, want %d\n got  %v\n want %v", what, i, got[i], want[i], got, want)
		}
	}
}

func TestDBSCANGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.DBSCAN {
		X := widen(c.X)
		cases := map[string]dbscanGolden{"": c.dbscanGolden}
		if c.Params != nil {
			cases = c.Params
			t.Logf("%s: %d×%d, pairwise cosines %.3f..%.3f", c.Name, len(X), len(X[0]), c.CosRange[0], c.CosRange[1])
		}
		for key, p := range cases {
			name := c.Name + " " + key
			labels, err := DBSCANLabels(X, p.Eps, p.MinSamples)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			assertLabels(t, name, labels, p.Labels)
			rep, err := DBSCAN(X, p.Eps, p.MinSamples)
			if p.Rep == nil {
				if !errors.Is(err, ErrNoCluster) {
					t.Fatalf("%s: all noise: err = %v, want ErrNoCluster", name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			assertVec(t, name+" rep", rep, *p.Rep, 1e-13)
			// the official per-dataset parameters through Reduce (float32 API)
			ds := ""
			switch {
			case p.Eps == 0.5 && p.MinSamples == 15:
				ds = "mvtec"
			case p.Eps == 1.5 && p.MinSamples == 25:
				ds = "visa"
			}
			if ds != "" {
				r32, err := Reduce(MethodDBSCAN, c.X, ds)
				if err != nil {
					t.Fatalf("%s Reduce: %v", name, err)
				}
				assertVec32(t, name+" Reduce", r32, *p.Rep, 1e-7)
			}
		}
	}
}

func TestReducersGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Reducers {
		t.Logf("%s: %d×%d, pairwise cosines %.3f..%.3f", c.Name, len(c.X), len(c.X[0]), c.CosRange[0], c.CosRange[1])
		want := map[string][]float64{
			MethodMean: c.Mean, MethodPCA: c.PCA, MethodKDE: c.KDE, MethodMeanShift: c.MeanShift,
		}
		for _, m := range Methods() {
			for _, ds := range []string{"mvtec", "visa"} {
				w := want[m]
				if m == MethodDBSCAN {
					p := c.DBSCANMVTec
					if ds == "visa" {
						p = c.DBSCANVisA
					}
					if p == nil {
						t.Fatalf("%s: golden has no DBSCAN cluster", c.Name)
					}
					w = *p
				}
				got, err := Reduce64(m, widen(c.X), DefaultParams(ds))
				if err != nil {
					t.Fatalf("%s %s %s: %v", c.Name, m, ds, err)
				}
				tol := 1e-13
				if m == MethodPCA {
					tol = 1e-10 // eigenvector from two different eigensolvers
				}
				assertVec(t, c.Name+" "+m+" "+ds, got, w, tol)
				got32, err := Reduce(m, c.X, ds)
				if err != nil {
					t.Fatalf("%s %s %s (float32): %v", c.Name, m, ds, err)
				}
				assertVec32(t, c.Name+" "+m+" "+ds+" float32", got32, w, 1e-7)
			}
		}
		ld, err := KDELogDensity(widen(c.X), KDEBandwidth)
		if err != nil {
			t.Fatal(err)
		}
		assertVec(t, c.Name+" kde log density", ld, c.KDELogDensity, 1e-10)
		labels, centers, err := MeanShiftFit(widen(c.X), MeanShiftBandwidth, MeanShiftMaxIter)
		if err != nil {
			t.Fatal(err)
		}
		assertLabels(t, c.Name+" mean shift", labels, c.MeanShiftLabels)
		if len(centers) != len(c.MeanShiftCenters) {
			t.Fatalf("%s: %d mean-shift centres, want %d", c.Name, len(centers), len(c.MeanShiftCenters))
		}
		for k := range centers {
			assertVec(t, c.Name+" mean shift centre", centers[k], c.MeanShiftCenters[k], 1e-13)
		}
		// For unit vectors with pairwise distances < 2 mean shift is the mean.
		assertVec(t, c.Name+" mean shift = mean", c.MeanShift, c.Mean, 1e-12)
	}
}

func TestMeanShiftGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.MeanShift {
		X := widen(c.X)
		labels, centers, err := MeanShiftFit(X, c.Bandwidth, MeanShiftMaxIter)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		assertLabels(t, c.Name, labels, c.Labels)
		if len(centers) != len(c.Centers) {
			t.Fatalf("%s: %d centres, want %d", c.Name, len(centers), len(c.Centers))
		}
		for k := range centers {
			assertVec(t, c.Name+" centre", centers[k], c.Centers[k], 1e-12)
		}
		rep, err := MeanShift(X, c.Bandwidth, MeanShiftMaxIter)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		assertVec(t, c.Name+" rep", rep, c.Rep, 1e-13)
	}
}

func TestPCAGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.PCA {
		got, err := PCA(widen(c.X))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		assertVec(t, c.Name, got, c.PCA, 1e-10)
	}
}

func TestKDEGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.KDE {
		X := widen(c.X)
		ld, err := KDELogDensity(X, c.Bandwidth)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		assertVec(t, c.Name+" log density", ld, c.LogDensity, 1e-10)
		rep, err := KDE(X, c.Bandwidth)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		assertVec(t, c.Name+" rep", rep, c.Rep, 1e-13)
	}
}
