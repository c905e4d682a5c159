package rvs

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Method names accepted by Reduce / Reduce64 (the official --rep_vec values).
const (
	MethodMean      = "mean"
	MethodDBSCAN    = "dbscan"
	MethodPCA       = "pca"
	MethodKDE       = "kde"
	MethodMeanShift = "mean_shift"
)

// Reference hyper-parameters (official util/prompt_ensemble.py).
const (
	KDEBandwidth       = 0.3 // KernelDensity(kernel="gaussian", bandwidth=0.3)
	MeanShiftBandwidth = 2.0 // MeanShift(bandwidth=2)
	MeanShiftMaxIter   = 300 // scikit-learn default max_iter
)

// ErrNoCluster is returned (wrapped) when DBSCAN labels every point as noise;
// the reference crashes there (argmax of an empty bincount).
var ErrNoCluster = errors.New("rvs: DBSCAN found no cluster (every point is noise)")

// ErrInput is wrapped by every error about malformed input or parameters.
var ErrInput = errors.New("rvs: invalid input")

// Methods returns the reducer names in the order the spec lists them.
func Methods() []string {
	return []string{MethodMean, MethodDBSCAN, MethodPCA, MethodKDE, MethodMeanShift}
}

// DBSCANParams returns the official DBSCAN parameters for a dataset name:
// "visa" → eps 1.5, min_samples 25; every other dataset (mvtec, headct,
// brainmri, isic, clinicdb, …) → eps 0.5, min_samples 15. The reference
// compares dataset == 'visa'; here the name is trimmed and compared
// case-insensitively so "VisA" cannot silently select the MVTec parameters.
func DBSCANParams(dataset string) (eps float64, minSamples int) {
	if strings.EqualFold(strings.TrimSpace(dataset), "visa") {
		return 1.5, 25
	}
	return 0.5, 15
}

// Params are the hyper-parameters of every reducer.
type Params struct {
	Eps                float64 // DBSCAN eps (Euclidean, inclusive)
	MinSamples         int     // DBSCAN min_samples (self included)
	KDEBandwidth       float64 // Gaussian KDE bandwidth h
	MeanShiftBandwidth float64 // flat-kernel radius (inclusive)
	MeanShiftMaxIter   int     // scikit-learn max_iter
}

// DefaultParams returns the official parameters for a dataset.
func DefaultParams(dataset string) Params {
	eps, ms := DBSCANParams(dataset)
	return Params{
		Eps: eps, MinSamples: ms,
		KDEBandwidth:       KDEBandwidth,
		MeanShiftBandwidth: MeanShiftBandwidth,
		MeanShiftMaxIter:   MeanShiftMaxIter,
	}
}

// Reduce reduces the n×d float32 matrix X (one state's prompt embeddings)
// to one unit vector with the named method and the dataset's official
// parameters. Computation is in float64 (see Reduce64); the result is
// rounded to float32.
func Reduce(method string, X [][]float32, dataset string) ([]float32, error) {
	X64 := make([][]float64, len(X))
	for i, row := range X {
		r := make([]float64, len(row))
		for j, v := range row {
			r[j] = float64(v)
		}
		X64[i] = r
	}
	t, err := Reduce64(method, X64, DefaultParams(dataset))
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(t))
	for i, v := range t {
		out[i] = float32(v)
	}
	return out, nil
}

// Reduce64 is Reduce for float64 input with explicit parameters.
func Reduce64(method string, X [][]float64, p Params) ([]float64, error) {
	switch method {
	case MethodMean:
		return Mean(X)
	case MethodDBSCAN:
		return DBSCAN(X, p.Eps, p.MinSamples)
	case MethodPCA:
		return PCA(X)
	case MethodKDE:
		return KDE(X, p.KDEBandwidth)
	case MethodMeanShift:
		return MeanShift(X, p.MeanShiftBandwidth, p.MeanShiftMaxIter)
	}
	return nil, fmt.Errorf("%w: unknown RVS method %q (want one of %s)", ErrInput, method, strings.Join(Methods(), ", "))
}

// matrix is X flattened row-major.
type matrix struct {
	a    []float64
	n, d int
}

func (m *matrix) row(i int) []float64 { return m.a[i*m.d : (i+1)*m.d] }

func flatten(X [][]float64) (*matrix, error) {
	if len(X) == 0 {
		return nil, fmt.Errorf("%w: no embeddings", ErrInput)
	}
	d := len(X[0])
	if d == 0 {
		return nil, fmt.Errorf("%w: embeddings have dimension 0", ErrInput)
	}
	m := &matrix{a: make([]float64, 0, len(X)*d), n: len(X), d: d}
	for i, row := range X {
		if len(row) != d {
			return nil, fmt.Errorf("%w: row %d has %d values, row 0 has %d", ErrInput, i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: row %d, component %d is %v", ErrInput, i, j, v)
			}
		}
		m.a = append(m.a, row...)
	}
	return m, nil
}

func dist2(a, b []float64) float64 {
	s := 0.0
	for k, v := range a {
		t := v - b[k]
		s += t * t
	}
	return s
}

func dot(a, b []float64) float64 {
	s := 0.0
	for k, v := range a {
		s += v * b[k]
	}
	return s
}

// normalized returns v/‖v‖, or an error for a zero (or non-finite) vector.
func normalized(v []float64, what string) ([]float64, error) {
	n := math.Sqrt(dot(v, v))
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, fmt.Errorf("rvs: %s: representative vector has norm %v, cannot normalise", what, n)
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out, nil
}

// meanOf returns the mean of the given rows (all rows when idx is nil):
// sequential float64 sum in row order, then division by the count (what
// numpy's mean over axis 0 does).
func meanOf(m *matrix, idx []int) []float64 {
	s := make([]float64, m.d)
	cnt := 0
	add := func(r []float64) {
		for k, v := range r {
			s[k] += v
		}
		cnt++
	}
	if idx == nil {
		for i := 0; i < m.n; i++ {
			add(m.row(i))
		}
	} else {
		for _, i := range idx {
			add(m.row(i))
		}
	}
	for k := range s {
		s[k] /= float64(cnt)
	}
	return s
}

// Mean is the "mean" reducer: normalize(mean of the rows).
func Mean(X [][]float64) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	return normalized(meanOf(m, nil), MethodMean)
}

// DBSCANLabels returns scikit-learn DBSCAN(eps, min_samples).labels_ for the
// rows of X (Euclidean metric): cluster ids 0,1,… in discovery order, −1 for
// noise. See the package documentation for the exact semantics.
func DBSCANLabels(X [][]float64, eps float64, minSamples int) ([]int, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	return dbscanLabels(m, eps, minSamples)
}

func dbscanLabels(m *matrix, eps float64, minSamples int) ([]int, error) {
	if !(eps > 0) || math.IsInf(eps, 0) {
		return nil, fmt.Errorf("%w: DBSCAN eps must be a positive finite number, got %v", ErrInput, eps)
	}
	if minSamples < 1 {
		return nil, fmt.Errorf("%w: DBSCAN min_samples must be ≥ 1, got %d", ErrInput, minSamples)
	}
	eps2 := eps * eps
	n := m.n
	nb := make([][]int, n)
	for i := 0; i < n; i++ {
		nb[i] = append(nb[i], i) // self, distance 0
		ri := m.row(i)
		for j := i + 1; j < n; j++ {
			if dist2(ri, m.row(j)) <= eps2 {
				nb[i] = append(nb[i], j)
				nb[j] = append(nb[j], i)
			}
		}
	}
	core := make([]bool, n)
	for i := range nb {
		core[i] = len(nb[i]) >= minSamples
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	label := 0
	var stack []int
	for start := 0; start < n; start++ {
		if labels[start] != -1 || !core[start] {
			continue
		}
		i := start
		for {
			if labels[i] == -1 {
				labels[i] = label
				if core[i] {
					for _, v := range nb[i] {
						if labels[v] == -1 {
							stack = append(stack, v)
						}
					}
				}
			}
			if len(stack) == 0 {
				break
			}
			i = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		label++
	}
	return labels, nil
}

// largestLabel returns the label with most members among labels ≥ 0 (ties →
// lowest label, as np.argmax(np.bincount(...))) and its member indices.
func largestLabel(labels []int) (int, []int, bool) {
	maxL := -1
	for _, l := range labels {
		if l > maxL {
			maxL = l
		}
	}
	if maxL < 0 {
		return -1, nil, false
	}
	counts := make([]int, maxL+1)
	for _, l := range labels {
		if l >= 0 {
			counts[l]++
		}
	}
	best := 0
	for l, c := range counts {
		if c > counts[best] {
			best = l
		}
	}
	var idx []int
	for i, l := range labels {
		if l == best {
			idx = append(idx, i)
		}
	}
	return best, idx, true
}

// DBSCAN is the "dbscan" reducer: normalize(mean of the rows of the largest
// DBSCAN cluster). All noise → an error wrapping ErrNoCluster.
func DBSCAN(X [][]float64, eps float64, minSamples int) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	labels, err := dbscanLabels(m, eps, minSamples)
	if err != nil {
		return nil, err
	}
	_, idx, ok := largestLabel(labels)
	if !ok {
		return nil, fmt.Errorf("%w (eps=%v, min_samples=%d, %d points)", ErrNoCluster, eps, minSamples, m.n)
	}
	return normalized(meanOf(m, idx), MethodDBSCAN)
}

// PCA is the "pca" reducer (official pca(X.T, 1) plus sign fix), see the
// package documentation.
func PCA(X [][]float64) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	n, d := m.n, m.d
	// A: each embedding centred by its own mean over its d components.
	A := make([]float64, n*d)
	for i := 0; i < n; i++ {
		r := m.row(i)
		c := 0.0
		for _, v := range r {
			c += v
		}
		c /= float64(d)
		for k, v := range r {
			A[i*d+k] = v - c
		}
	}
	var vec []float64
	var vals []float64
	if n <= d {
		// n×n scatter S_ij = a_i·a_j; vector = Σ_i v_i a_i.
		S := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				s := dot(A[i*d:(i+1)*d], A[j*d:(j+1)*d])
				S[i*n+j], S[j*n+i] = s, s
			}
		}
		var V []float64
		vals, V = jacobiEigen(S, n)
		top := argmax(vals)
		vec = make([]float64, d)
		for i := 0; i < n; i++ {
			w := V[i*n+top]
			for k := 0; k < d; k++ {
				vec[k] += w * A[i*d+k]
			}
		}
	} else {
		// d×d matrix A·Aᵀ (A as d×n); its top eigenvector ∝ A·v.
		S := make([]float64, d*d)
		for i := 0; i < n; i++ {
			a := A[i*d : (i+1)*d]
			for p := 0; p < d; p++ {
				for q := p; q < d; q++ {
					S[p*d+q] += a[p] * a[q]
				}
			}
		}
		for p := 0; p < d; p++ {
			for q := 0; q < p; q++ {
				S[p*d+q] = S[q*d+p]
			}
		}
		var V []float64
		vals, V = jacobiEigen(S, d)
		top := argmax(vals)
		vec = make([]float64, d)
		for k := 0; k < d; k++ {
			vec[k] = V[k*d+top]
		}
	}
	top := argmax(vals)
	l1 := vals[top]
	if !(l1 > 0) {
		return nil, fmt.Errorf("rvs: pca: the centred embeddings are all zero (top eigenvalue %v)", l1)
	}
	for i, l := range vals {
		if i != top && l >= l1*(1-1e-10) {
			return nil, fmt.Errorf("rvs: pca: the top principal direction is not unique (eigenvalues %v and %v)", l1, l)
		}
	}
	if dot(vec, meanOf(m, nil)) < 0 {
		for k := range vec {
			vec[k] = -vec[k]
		}
	}
	return normalized(vec, MethodPCA)
}

func argmax(v []float64) int {
	b := 0
	for i, x := range v {
		if x > v[b] {
			b = i
		}
	}
	return b
}

// jacobiEigen diagonalises the symmetric m×m matrix S (row-major, consumed)
// by cyclic Jacobi rotations. It returns the eigenvalues and the matrix V
// whose column k is the unit eigenvector of eigenvalue k.
func jacobiEigen(S []float64, m int) ([]float64, []float64) {
	a := S
	V := make([]float64, m*m)
	for i := 0; i < m; i++ {
		V[i*m+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		off, tot := 0.0, 0.0
		for p := 0; p < m; p++ {
			for q := 0; q < m; q++ {
				x := a[p*m+q] * a[p*m+q]
				tot += x
				if p != q {
					off += x
				}
			}
		}
		if off == 0 || off <= 1e-32*tot {
			break
		}
		for p := 0; p < m-1; p++ {
			for q := p + 1; q < m; q++ {
				apq := a[p*m+q]
				if apq == 0 {
					continue
				}
				app, aqq := a[p*m+p], a[q*m+q]
				theta := (aqq - app) / (2 * apq)
				var t float64
				if math.IsInf(theta*theta, 0) {
					t = 1 / (2 * theta)
				} else {
					t = 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
					if theta < 0 {
						t = -t
					}
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < m; k++ { // columns p, q: A·J
					akp, akq := a[k*m+p], a[k*m+q]
					a[k*m+p] = c*akp - s*akq
					a[k*m+q] = s*akp + c*akq
				}
				for k := 0; k < m; k++ { // rows p, q: Jᵀ·(A·J)
					apk, aqk := a[p*m+k], a[q*m+k]
					a[p*m+k] = c*apk - s*aqk
					a[q*m+k] = s*apk + c*aqk
				}
				a[p*m+q], a[q*m+p] = 0, 0
				for k := 0; k < m; k++ {
					vkp, vkq := V[k*m+p], V[k*m+q]
					V[k*m+p] = c*vkp - s*vkq
					V[k*m+q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals := make([]float64, m)
	for i := range vals {
		vals[i] = a[i*m+i]
	}
	return vals, V
}

// KDELogDensity returns scikit-learn's
// KernelDensity(kernel="gaussian", bandwidth=h).fit(X).score_samples(X):
// log p_i = logsumexp_j(−‖x_i−x_j‖²/(2h²)) − log n − (d/2)·log(2π) − d·log h.
func KDELogDensity(X [][]float64, bandwidth float64) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	return kdeLogDensity(m, bandwidth)
}

func kdeLogDensity(m *matrix, h float64) ([]float64, error) {
	if !(h > 0) || math.IsInf(h, 0) {
		return nil, fmt.Errorf("%w: KDE bandwidth must be a positive finite number, got %v", ErrInput, h)
	}
	n, d := m.n, m.d
	logNorm := -0.5*float64(d)*math.Log(2*math.Pi) - float64(d)*math.Log(h) - math.Log(float64(n))
	e := make([]float64, n)
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		ri := m.row(i)
		mx := math.Inf(-1)
		for j := 0; j < n; j++ {
			e[j] = -0.5 * dist2(ri, m.row(j)) / (h * h)
			if e[j] > mx {
				mx = e[j]
			}
		}
		s := 0.0
		for _, v := range e {
			s += math.Exp(v - mx)
		}
		out[i] = mx + math.Log(s) + logNorm
	}
	return out, nil
}

// KDE is the "kde" reducer: normalize(Σ w_i x_i / Σ w_i) with
// w_i = exp(log p_i) (computed relative to the largest, see package doc).
func KDE(X [][]float64, bandwidth float64) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	ld, err := kdeLogDensity(m, bandwidth)
	if err != nil {
		return nil, err
	}
	mx := ld[argmax(ld)]
	t := make([]float64, m.d)
	ws := 0.0
	for i := 0; i < m.n; i++ {
		w := math.Exp(ld[i] - mx)
		ws += w
		for k, v := range m.row(i) {
			t[k] += w * v
		}
	}
	for k := range t {
		t[k] /= ws
	}
	return normalized(t, MethodKDE)
}

// MeanShiftFit runs scikit-learn MeanShift(bandwidth, max_iter) with its
// default seeding (every row) and cluster_all=True. It returns labels_ and
// cluster_centers_.
func MeanShiftFit(X [][]float64, bandwidth float64, maxIter int) ([]int, [][]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, nil, err
	}
	return meanShiftFit(m, bandwidth, maxIter)
}

func meanShiftFit(m *matrix, bw float64, maxIter int) ([]int, [][]float64, error) {
	if !(bw > 0) || math.IsInf(bw, 0) {
		return nil, nil, fmt.Errorf("%w: mean shift bandwidth must be a positive finite number, got %v", ErrInput, bw)
	}
	if maxIter < 0 {
		return nil, nil, fmt.Errorf("%w: mean shift max_iter must be ≥ 0, got %d", ErrInput, maxIter)
	}
	bw2 := bw * bw
	stop := 1e-3 * bw
	within := func(c []float64, idx []int) []int {
		idx = idx[:0]
		for j := 0; j < m.n; j++ {
			if dist2(c, m.row(j)) <= bw2 {
				idx = append(idx, j)
			}
		}
		return idx
	}
	type center struct {
		c []float64
		n int
	}
	var centers []center
	index := map[string]int{} // exact value of the tuple → position in centers
	idx := make([]int, 0, m.n)
	for s := 0; s < m.n; s++ {
		mean := append([]float64(nil), m.row(s)...)
		nWithin := 0
		for it := 0; ; it++ {
			idx = within(mean, idx)
			nWithin = len(idx)
			if nWithin == 0 {
				break
			}
			old := mean
			mean = meanOf(m, idx)
			if math.Sqrt(dist2(mean, old)) < stop || it == maxIter {
				break
			}
		}
		if nWithin == 0 {
			continue
		}
		key := tupleKey(mean)
		if k, ok := index[key]; ok {
			centers[k].n = nWithin // Python dict: first key kept, value overwritten
		} else {
			index[key] = len(centers)
			centers = append(centers, center{mean, nWithin})
		}
	}
	if len(centers) == 0 {
		return nil, nil, fmt.Errorf("rvs: mean shift: no point was within bandwidth %v of any seed", bw)
	}
	// sorted(key=(intensity, tuple), reverse=True); the sort is stable but
	// keys are distinct, so order is total.
	less := func(a, b center) bool { // a sorts before b
		if a.n != b.n {
			return a.n > b.n
		}
		for k := range a.c {
			if a.c[k] != b.c[k] {
				return a.c[k] > b.c[k]
			}
		}
		return false
	}
	for i := 1; i < len(centers); i++ { // insertion sort (stable, few centres)
		for j := i; j > 0 && less(centers[j], centers[j-1]); j-- {
			centers[j], centers[j-1] = centers[j-1], centers[j]
		}
	}
	unique := make([]bool, len(centers))
	for i := range unique {
		unique[i] = true
	}
	for i := range centers {
		if !unique[i] {
			continue
		}
		for j := range centers {
			if dist2(centers[i].c, centers[j].c) <= bw2 {
				unique[j] = false
			}
		}
		unique[i] = true
	}
	var cc [][]float64
	for i, c := range centers {
		if unique[i] {
			cc = append(cc, c.c)
		}
	}
	labels := make([]int, m.n)
	for i := 0; i < m.n; i++ {
		best, bd := 0, math.Inf(1)
		for k, c := range cc {
			if d := dist2(m.row(i), c); d < bd {
				best, bd = k, d
			}
		}
		labels[i] = best
	}
	return labels, cc, nil
}

// tupleKey identifies a float tuple as a Python dict would (−0 == +0).
func tupleKey(v []float64) string {
	b := make([]byte, 0, 8*len(v))
	for _, x := range v {
		if x == 0 {
			x = 0 // −0 → +0
		}
		u := math.Float64bits(x)
		for s := 0; s < 64; s += 8 {
			b = append(b, byte(u>>s))
		}
	}
	return string(b)
}

// MeanShift is the "mean_shift" reducer: normalize(mean of the rows of the
// most populous MeanShift label).
func MeanShift(X [][]float64, bandwidth float64, maxIter int) ([]float64, error) {
	m, err := flatten(X)
	if err != nil {
		return nil, err
	}
	labels, _, err := meanShiftFit(m, bandwidth, maxIter)
	if err != nil {
		return nil, err
	}
	_, idx, _ := largestLabel(labels)
	return normalized(meanOf(m, idx), MethodMeanShift)
}
