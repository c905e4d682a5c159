package kernels

import "math"

// Float32 exp, softmax and GELU, written so that the pure-Go code and the
// SIMD module (kernels.wat: $exp4, softmax, gelu, quick_gelu) perform the
// same IEEE binary32 operations in the same order and give bit-identical
// results. Every product is wrapped in float32(…) so that no compiler may
// fuse it into an FMA (the Go spec allows fusing unless an explicit
// conversion rounds the product).
//
// Accuracy (TestExp32Accuracy, TestGELUAccuracy): Exp32 is within 2 ulp
// of the correctly rounded exp on its range; GELU is within 1.5e-7·|x| +
// 3e-8 of the float64 erf formula. They replace float64 math.Exp and
// math.Erf, which cost ≈ 30 and 18 ns per call in GOOS=js/wasm and were a
// quarter of a forward (BENCHMARKS.md).

const (
	expHi    float32 = 88        // larger arguments are clamped (e^88 ≈ 1.65e38)
	expLo    float32 = -87.33654 // smaller ones (and NaN) give 0
	log2e    float32 = 1.44269504088896341
	roundMag float32 = 12582912       // 1.5·2²³: x + m − m rounds x to an integer
	ln2Hi    float32 = 0.693359375    // Cody–Waite split of ln 2 (exact in 9 bits)
	ln2Lo    float32 = -2.12194440e-4 // ln 2 − ln2Hi
	invSqrt2 float32 = 0.707106781186547524
)

// Minimax polynomial for (e^r − 1 − r)/r² on |r| ≤ ln2/2 (Cephes expf),
// highest degree first.
var expPoly = [6]float32{1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1}

// erfc(z) ≈ t·exp(−z² + P(t)), t = 1/(1+z/2), z ≥ 0, fractional error
// below 1.2e-7 in exact arithmetic (the Chebyshev fit in Numerical
// Recipes, §6.2); coefficients of P highest degree first.
var erfcPoly = [10]float32{0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223}

// Exp32 returns e^x in float32 arithmetic: x ≥ 88 is clamped to 88, x <
// −87.33654 (and NaN) gives 0, −Inf gives 0.
func Exp32(x float32) float32 {
	if !(x >= expLo) {
		return 0
	}
	x = min(x, expHi)
	n := float32(float32(x*log2e)+roundMag) - roundMag
	r := x - float32(n*ln2Hi)
	r = r - float32(n*ln2Lo)
	// p(r) by Estrin's scheme (shorter dependency chains than Horner's,
	// which matters in the SIMD module's loops): (c0·r + c1)·r⁴ +
	// ((c2·r + c3)·r² + (c4·r + c5))
	z := float32(r * r)
	z2 := float32(z * z)
	a := float32(expPoly[0]*r) + expPoly[1]
	b := float32(expPoly[2]*r) + expPoly[3]
	c := float32(expPoly[4]*r) + expPoly[5]
	p := float32(a*z2) + (float32(b*z) + c)
	y := float32(float32(p*z)+r) + 1
	return float32(y * math.Float32frombits(uint32(int32(n)+127)<<23))
}

// gelu32 is 0.5·x·(1+erf(x/√2)) as x·Φ(x) with Φ from erfc: Φ = ½·erfc(z)
// for x < 0 and 1 − ½·erfc(z) for x ≥ 0, z = |x|/√2, which keeps the small
// negative tail accurate in relative terms.
func gelu32(x float32) float32 {
	z := float32(math.Float32frombits(math.Float32bits(x)&^(1<<31)) * invSqrt2)
	t := 1 / (float32(0.5*z) + 1)
	// P(t) by Estrin's scheme: ((a0·t² + a1)·t⁴ + (a2·t² + a3))·t² + a4
	// with a_i = e_2i·t + e_2i+1
	e := &erfcPoly
	t2 := float32(t * t)
	t4 := float32(t2 * t2)
	a0 := float32(e[0]*t) + e[1]
	a1 := float32(e[2]*t) + e[3]
	a2 := float32(e[4]*t) + e[5]
	a3 := float32(e[6]*t) + e[7]
	a4 := float32(e[8]*t) + e[9]
	q := float32(float32(float32(a0*t2)+a1)*t4) + (float32(a2*t2) + a3)
	q = float32(q*t2) + a4
	ec := float32(t * Exp32(q-float32(z*z)))
	h := float32(0.5 * ec)
	if x >= 0 {
		h = 1 - h
	}
	return float32(x * h)
}

// quickGELU32 is x·σ(1.702x) = x / (1 + e^(−1.702x)).
func quickGELU32(x float32) float32 {
	return x / (Exp32(float32(x*-1.702)) + 1)
}

// softmaxRow is one row of SoftmaxRows: v = x·scale, then e^(v−max) with
// Exp32, summed in four lanes (element i into lane i mod 4 over the
// largest multiple of 4, lanes combined as (l0+l2)+(l1+l3), then the
// remaining elements in order), and every e multiplied by 1/sum.
func softmaxRow(row []float32, scale float32) {
	mx := float32(math.Inf(-1))
	for i, v := range row {
		v = float32(v * scale)
		row[i] = v
		mx = max(mx, v)
	}
	var l [4]float32
	i := 0
	for ; i+4 <= len(row); i += 4 {
		r := row[i : i+4 : i+4]
		for j := range r {
			e := Exp32(r[j] - mx)
			r[j] = e
			l[j] += e
		}
	}
	s := (l[0] + l[2]) + (l[1] + l[3])
	for ; i < len(row); i++ {
		e := Exp32(row[i] - mx)
		row[i] = e
		s += e
	}
	inv := 1 / s
	for i := range row {
		row[i] = float32(row[i] * inv)
	}
}
