package rvs

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"
)

func TestMethodsAndParams(t *testing.T) {
	want := []string{"mean", "dbscan", "pca", "kde", "mean_shift"}
	got := Methods()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Methods() = %v, want %v", got, want)
	}
	for _, c := range []struct {
		ds  string
		eps float64
		ms  int
	}{
		{"visa", 1.5, 25}, {"VisA", 1.5, 25}, {" visa ", 1.5, 25},
		{"mvtec", 0.5, 15}, {"headct", 0.5, 15}, {"brainmri", 0.5, 15},
		{"isic", 0.5, 15}, {"clinicdb", 0.5, 15}, {"", 0.5, 15}, {"visa2", 0.5, 15},
	} {
		eps, ms := DBSCANParams(c.ds)
		if eps != c.eps || ms != c.ms {
			t.Errorf("DBSCANParams(%q) = %v, %d; want %v, %d", c.ds, eps, ms, c.eps, c.ms)
		}
		p := DefaultParams(c.ds)
		if p.Eps != c.eps || p.MinSamples != c.ms || p.KDEBandwidth != 0.3 || p.MeanShiftBandwidth != 2 || p.MeanShiftMaxIter != 300 {
			t.Errorf("DefaultParams(%q) = %+v", c.ds, p)
		}
	}
}

func TestMeanByHand(t *testing.T) {
	got, err := Mean([][]float64{{1, 0}, {0, 1}, {1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	// mean (2/3, 2/3) → (1/√2, 1/√2)
	assertVec(t, "mean", got, []float64{1 / math.Sqrt2, 1 / math.Sqrt2}, 1e-15)
}

func TestDBSCANByHand(t *testing.T) {
	// 1-D points; eps 1, min_samples 3.
	//   0, 1, 2 : each of 0 and 2 has 2 neighbours (self + 1) → not core;
	//             1 has {0,1,2} → core → cluster 0 = {0,1,2}.
	//   10      : noise.
	//   20, 20.5, 21, 21.9: 20.5 has {20,20.5,21} core; 21 has {20.5,21,21.9}
	//             → core; 21.9 border of 21; cluster 1 = all four.
	X := [][]float64{{0}, {1}, {2}, {10}, {20}, {20.5}, {21}, {21.9}}
	labels, err := DBSCANLabels(X, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	assertLabels(t, "hand", labels, []int{0, 0, 0, -1, 1, 1, 1, 1})
	// largest cluster: {20, 20.5, 21, 21.9} → mean 20.85 → normalised (1)
	rep, err := DBSCAN(X, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "rep", rep, []float64{1}, 0)
	// a single point with min_samples 1 is its own cluster
	labels, err = DBSCANLabels([][]float64{{3, 4}}, 0.5, 1)
	if err != nil || len(labels) != 1 || labels[0] != 0 {
		t.Fatalf("single point: %v %v", labels, err)
	}
	// min_samples 2 → noise → ErrNoCluster, no panic
	if _, err := DBSCAN([][]float64{{3, 4}}, 0.5, 2); !errors.Is(err, ErrNoCluster) {
		t.Fatalf("single point, min 2: err = %v", err)
	}
	// Reduce with the visa parameters on embeddings that are all noise
	X32 := [][]float32{{1, 0}, {0, 1}, {-1, 0}}
	if _, err := Reduce(MethodDBSCAN, X32, "visa"); !errors.Is(err, ErrNoCluster) {
		t.Fatalf("Reduce all-noise: err = %v", err)
	}
}

func TestBadInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	bad := map[string][][]float64{
		"empty":     {},
		"zero dim":  {{}, {}},
		"ragged":    {{1, 0}, {1}},
		"nan":       {{1, 0}, {nan, 0}},
		"inf":       {{1, 0}, {0, -inf}},
		"nil row 0": {nil},
	}
	for name, X := range bad {
		for _, m := range Methods() {
			if _, err := Reduce64(m, X, DefaultParams("mvtec")); !errors.Is(err, ErrInput) {
				t.Errorf("%s/%s: err = %v, want ErrInput", name, m, err)
			}
		}
		if _, err := DBSCANLabels(X, 0.5, 15); !errors.Is(err, ErrInput) {
			t.Errorf("%s DBSCANLabels: err = %v", name, err)
		}
		if _, err := KDELogDensity(X, 0.3); !errors.Is(err, ErrInput) {
			t.Errorf("%s KDELogDensity: err = %v", name, err)
		}
		if _, _, err := MeanShiftFit(X, 2, 300); !errors.Is(err, ErrInput) {
			t.Errorf("%s MeanShiftFit: err = %v", name, err)
		}
	}
	if _, err := Reduce("median", [][]float32{{1, 0}}, "mvtec"); !errors.Is(err, ErrInput) {
		t.Errorf("unknown method: err = %v", err)
	}
	if _, err := Reduce(MethodMean, [][]float32{{1, 0}, {float32(nan), 1}}, "mvtec"); !errors.Is(err, ErrInput) {
		t.Errorf("float32 NaN: err = %v", err)
	}
	X := [][]float64{{1, 0}, {0, 1}}
	for _, p := range []Params{
		{Eps: 0, MinSamples: 1}, {Eps: -1, MinSamples: 1}, {Eps: nan, MinSamples: 1}, {Eps: inf, MinSamples: 1},
		{Eps: 0.5, MinSamples: 0},
	} {
		if _, err := Reduce64(MethodDBSCAN, X, p); !errors.Is(err, ErrInput) {
			t.Errorf("DBSCAN %+v: err = %v", p, err)
		}
	}
	for _, h := range []float64{0, -0.3, nan, inf} {
		if _, err := KDE(X, h); !errors.Is(err, ErrInput) {
			t.Errorf("KDE h=%v: err = %v", h, err)
		}
		if _, err := MeanShift(X, h, 300); !errors.Is(err, ErrInput) {
			t.Errorf("MeanShift bw=%v: err = %v", h, err)
		}
	}
	if _, err := MeanShift(X, 2, -1); !errors.Is(err, ErrInput) {
		t.Errorf("MeanShift max_iter -1: err = %v", err)
	}
	// zero representative vectors are errors, not NaNs
	opp := [][]float64{{1, 0}, {-1, 0}}
	if v, err := Mean(opp); err == nil {
		t.Errorf("mean of opposite vectors = %v, want error", v)
	}
	if v, err := Reduce64(MethodDBSCAN, opp, Params{Eps: 3, MinSamples: 1}); err == nil {
		t.Errorf("dbscan of opposite vectors = %v, want error", v)
	}
	// PCA: constant rows centre to zero; a symmetric set has no unique axis
	if v, err := PCA([][]float64{{2, 2, 2}, {-1, -1, -1}}); err == nil {
		t.Errorf("pca of constant rows = %v, want error", v)
	}
	sym := [][]float64{{1, 0, 0, -1}, {0, 1, -1, 0}, {-1, 0, 0, 1}, {0, -1, 1, 0}}
	if v, err := PCA(sym); err == nil {
		t.Errorf("pca with a degenerate top eigenvalue = %v, want error", v)
	}
}

// KDE stability far beyond scikit-learn's overflow point: repeating every
// coordinate k times multiplies squared distances by k, which is the same
// kernel as bandwidth h/√k on the original rows; the representative vector
// is the k-fold repetition divided by √k.
func TestKDEHighDimensionStable(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const n, d, k = 12, 16, 200
	X := make([][]float64, n)
	Y := make([][]float64, n)
	for i := range X {
		X[i] = make([]float64, d)
		for j := range X[i] {
			X[i][j] = 0.3*rng.NormFloat64() + 1
		}
		X[i], _ = normalized(X[i], "test")
		for r := 0; r < k; r++ {
			Y[i] = append(Y[i], X[i]...)
		}
	}
	ld, err := KDELogDensity(Y, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	mx := ld[argmax(ld)]
	if !(mx > 709.8) || math.IsInf(mx, 0) {
		t.Fatalf("max log density %v: the test should be in the range where exp overflows", mx)
	}
	got, err := KDE(Y, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	small, err := KDE(X, 0.3/math.Sqrt(k))
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 0, d*k)
	for r := 0; r < k; r++ {
		for _, v := range small {
			want = append(want, v/math.Sqrt(k))
		}
	}
	assertVec(t, "repeated", got, want, 1e-13)
	// and the log densities differ exactly by the normalisation constants:
	// log p_Y − log p_X(h/√k) = −(kd/2 − d/2)·log 2π − kd·log h + d·log(h/√k)
	ldX, err := KDELogDensity(X, 0.3/math.Sqrt(k))
	if err != nil {
		t.Fatal(err)
	}
	c := -0.5*float64(k*d-d)*math.Log(2*math.Pi) - float64(k*d)*math.Log(0.3) + float64(d)*math.Log(0.3/math.Sqrt(k))
	for i := range ld {
		if math.Abs(ld[i]-ldX[i]-c) > 1e-9*math.Abs(c) {
			t.Fatalf("log density %d: %v − %v ≠ %v", i, ld[i], ldX[i], c)
		}
	}
}

func TestJacobiEigen(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, m := range []int{1, 2, 5, 17, 40} {
		S := make([]float64, m*m)
		for i := 0; i < m; i++ {
			for j := i; j < m; j++ {
				v := rng.NormFloat64()
				S[i*m+j], S[j*m+i] = v, v
			}
		}
		orig := append([]float64(nil), S...)
		vals, V := jacobiEigen(S, m)
		for k := 0; k < m; k++ {
			for i := 0; i < m; i++ { // (S·v_k)_i = λ_k v_ik
				s := 0.0
				for j := 0; j < m; j++ {
					s += orig[i*m+j] * V[j*m+k]
				}
				if math.Abs(s-vals[k]*V[i*m+k]) > 1e-12*float64(m) {
					t.Fatalf("m=%d: residual %g", m, s-vals[k]*V[i*m+k])
				}
			}
			for l := 0; l < m; l++ { // orthonormal columns
				s := 0.0
				for i := 0; i < m; i++ {
					s += V[i*m+k] * V[i*m+l]
				}
				want := 0.0
				if k == l {
					want = 1
				}
				if math.Abs(s-want) > 1e-12 {
					t.Fatalf("m=%d: VᵀV[%d,%d] = %v", m, k, l, s)
				}
			}
		}
	}
}

// PCA by hand: rows centred per row; the direction of largest spread of
// the centred rows, signed towards the mean.
func TestPCAByHand(t *testing.T) {
	// centred rows are ±(1,−1,0)·a_i plus nothing else: the principal
	// direction is (1,−1,0)/√2; the mean (sum of raw rows) decides the sign.
	X := [][]float64{{3, 1, 2}, {0, 2, 1}, {5, 1, 3}}
	// centred: (1,−1,0), (−1,1,0), (2,−2,0); mean of raw rows (8/3,4/3,2):
	// dot with (1,−1,0) = 4/3 > 0.
	got, err := PCA(X)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "pca", got, []float64{1 / math.Sqrt2, -1 / math.Sqrt2, 0}, 1e-15)
	neg := [][]float64{{1, 3, 2}, {2, 0, 1}, {1, 5, 3}}
	got, err = PCA(neg)
	if err != nil {
		t.Fatal(err)
	}
	assertVec(t, "pca sign", got, []float64{-1 / math.Sqrt2, 1 / math.Sqrt2, 0}, 1e-15)
}

// A full-size state (220 prompts × 640 dims) through every reducer.
func TestFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	rng := rand.New(rand.NewSource(1))
	const n, d = 220, 640
	mu := make([]float64, d)
	for j := range mu {
		mu[j] = rng.NormFloat64()
	}
	mu, _ = normalized(mu, "mu")
	X := make([][]float32, n)
	for i := range X {
		v := make([]float64, d)
		for j := range v {
			v[j] = mu[j] + 0.3*rng.NormFloat64()/math.Sqrt(d)
		}
		v, _ = normalized(v, "row")
		X[i] = make([]float32, d)
		for j := range v {
			X[i][j] = float32(v[j])
		}
	}
	mean, err := Reduce(MethodMean, X, "mvtec")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Methods() {
		for _, ds := range []string{"mvtec", "visa"} {
			got, err := Reduce(m, X, ds)
			if err != nil {
				t.Fatalf("%s %s: %v", m, ds, err)
			}
			nrm, cos := 0.0, 0.0
			for j := range got {
				nrm += float64(got[j]) * float64(got[j])
				cos += float64(got[j]) * float64(mean[j])
			}
			if math.Abs(nrm-1) > 1e-6 {
				t.Fatalf("%s %s: norm² %v", m, ds, nrm)
			}
			// every reducer lands near the common direction of these rows
			if cos < 0.95 && m != MethodPCA {
				t.Fatalf("%s %s: cos to mean %v", m, ds, cos)
			}
			t.Logf("%-10s %-5s cos(·, mean) = %.6f", m, ds, cos)
		}
	}
}
