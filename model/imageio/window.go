package imageio

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"
)

// VOI functions of a Window (DICOM PS3.3 C.11.2.1.2 and C.11.2.1.3).
const (
	WindowLinear      = "LINEAR"       // the default; the DICOM linear function with its -0.5/-1 offsets
	WindowLinearExact = "LINEAR_EXACT" // exactly [Center-Width/2, Center+Width/2] → [0, 255]
	WindowSigmoid     = "SIGMOID"      // 255 / (1 + exp(-4 (x-Center)/Width))
)

// Automatic window choices (Window.Auto) and the sources reported in
// Window.Source.
const (
	AutoFile       = "file"       // the window stored in the file (DICOM), else AutoMinMax; the default
	AutoMinMax     = "minmax"     // the frame's minimum and maximum value
	AutoPercentile = "percentile" // the frame's 0.5th and 99.5th percentiles (robust to outliers)
	SourceUser     = "user"       // a Window given by the caller (Width > 0)
)

// Percentiles used by AutoPercentile.
const (
	PercentileLow  = 0.5
	PercentileHigh = 99.5
)

// Window is a VOI window: real-world values (after the modality rescale) in
// [Center-Width/2, Center+Width/2] are mapped to 0…255, values below to 0 and
// above to 255 (for MONOCHROME1 images the result is then inverted).
//
// As a request, a Width > 0 is a manual window; otherwise Auto chooses one
// ("" or AutoFile: the file's own window if it has one, else min–max;
// AutoMinMax; AutoPercentile). Function "" means WindowLinear for manual and
// file windows; automatic windows use WindowLinearExact so that the minimum
// maps to exactly 0 and the maximum to exactly 255.
//
// As a result (what was applied), Center, Width and Function are set and
// Source tells where the window came from: SourceUser, AutoFile,
// AutoMinMax or AutoPercentile.
type Window struct {
	Center   float64 `json:"center"`
	Width    float64 `json:"width"`
	Function string  `json:"function,omitempty"`
	Auto     string  `json:"auto,omitempty"`
	Source   string  `json:"source,omitempty"`
}

// ParseWindow parses the command-line form of a window request: "" or
// "file", "minmax", "percentile", or "CENTER,WIDTH" (e.g. "40,80" for a CT
// brain window) optionally followed by ",FUNCTION" (LINEAR, LINEAR_EXACT,
// SIGMOID).
func ParseWindow(s string) (Window, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", AutoFile:
		return Window{Auto: AutoFile}, nil
	case AutoMinMax:
		return Window{Auto: AutoMinMax}, nil
	case AutoPercentile:
		return Window{Auto: AutoPercentile}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return Window{}, fmt.Errorf("window %q: want file, minmax, percentile or CENTER,WIDTH[,FUNCTION]", s)
	}
	c, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	w, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || math.IsNaN(c) || math.IsInf(c, 0) || !(w > 0) || math.IsInf(w, 0) {
		return Window{}, fmt.Errorf("window %q: CENTER must be a number and WIDTH a positive number", s)
	}
	win := Window{Center: c, Width: w}
	if len(parts) == 3 {
		win.Function = strings.ToUpper(strings.TrimSpace(parts[2]))
	}
	if err := win.check(); err != nil {
		return Window{}, err
	}
	return win, nil
}

func (w Window) check() error {
	switch w.Function {
	case "", WindowLinear, WindowLinearExact, WindowSigmoid:
	default:
		return fmt.Errorf("window function %q: want LINEAR, LINEAR_EXACT or SIGMOID", w.Function)
	}
	switch w.Auto {
	case "", AutoFile, AutoMinMax, AutoPercentile:
	default:
		return fmt.Errorf("automatic window %q: want file, minmax or percentile", w.Auto)
	}
	if math.IsNaN(w.Center) || math.IsInf(w.Center, 0) || math.IsNaN(w.Width) || math.IsInf(w.Width, 0) {
		return fmt.Errorf("window centre and width must be finite numbers")
	}
	return nil
}

// Manual reports whether w requests a fixed window (Width > 0).
func (w Window) Manual() bool { return w.Width > 0 }

// Apply maps a real-world value x to 0…255 (before any MONOCHROME1
// inversion) with w's Center, Width and Function.
func (w Window) Apply(x float64) float64 {
	c, wd := w.Center, w.Width
	switch w.Function {
	case WindowLinearExact:
		if wd <= 0 {
			wd = math.SmallestNonzeroFloat64
		}
		switch {
		case x <= c-wd/2:
			return 0
		case x > c+wd/2:
			return 255
		}
		return ((x-c)/wd + 0.5) * 255
	case WindowSigmoid:
		if wd <= 0 {
			wd = math.SmallestNonzeroFloat64
		}
		return 255 / (1 + math.Exp(-4*(x-c)/wd))
	}
	// LINEAR (C.11.2.1.2.1): Width ≥ 1.
	if wd < 1 {
		wd = 1
	}
	switch {
	case x <= c-0.5-(wd-1)/2:
		return 0
	case x > c-0.5+(wd-1)/2:
		return 255
	}
	return ((x-(c-0.5))/(wd-1) + 0.5) * 255
}

func to8(y float64) uint8 {
	if !(y > 0) { // also NaN
		return 0
	}
	if y >= 255 {
		return 255
	}
	return uint8(y + 0.5)
}

// Mono is a grayscale image of integer stored values with a linear modality
// rescale (DICOM Rescale Slope/Intercept): the real-world value of a pixel is
// V*Slope + Intercept. It is what 16-bit grayscale PNG/TIFF files and
// monochrome DICOM frames decode to before windowing.
type Mono struct {
	W, H      int
	V         []int32 // row-major, len W*H
	Slope     float64 // 0 means 1
	Intercept float64
	// Invert displays the minimum value white (DICOM MONOCHROME1): the
	// windowed output is inverted (255 - y).
	Invert bool

	statsDone  bool
	vmin, vmax int32
}

// NewMono allocates a zeroed w×h Mono (identity rescale), refusing sizes
// that NewImage8 would refuse.
func NewMono(w, h int) (*Mono, error) {
	if w <= 0 || h <= 0 || w > maxSide8 || h > maxSide8 || int64(w)*int64(h) > int64(maxInt/4) {
		return nil, fmt.Errorf("%w: %d×%d grayscale", ErrInvalid, w, h)
	}
	return &Mono{W: w, H: h, V: make([]int32, w*h), Slope: 1}, nil
}

func (m *Mono) validate() error {
	if m == nil || m.W <= 0 || m.H <= 0 || int64(len(m.V)) != int64(m.W)*int64(m.H) {
		return fmt.Errorf("%w: grayscale image", ErrInvalid)
	}
	if math.IsNaN(m.Slope) || math.IsInf(m.Slope, 0) || math.IsNaN(m.Intercept) || math.IsInf(m.Intercept, 0) {
		return fmt.Errorf("%w: rescale slope %v, intercept %v", ErrInvalid, m.Slope, m.Intercept)
	}
	return nil
}

func (m *Mono) slope() float64 {
	if m.Slope == 0 {
		return 1
	}
	return m.Slope
}

// Real returns the real-world value of stored value v.
func (m *Mono) Real(v int32) float64 { return float64(v)*m.slope() + m.Intercept }

func (m *Mono) stats() {
	if m.statsDone {
		return
	}
	lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
	for _, v := range m.V {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	m.vmin, m.vmax, m.statsDone = lo, hi, true
}

// StoredRange returns the smallest and largest stored value.
func (m *Mono) StoredRange() (lo, hi int32) {
	m.stats()
	return m.vmin, m.vmax
}

// Range returns the smallest and largest real-world value.
func (m *Mono) Range() (lo, hi float64) {
	m.stats()
	a, b := m.Real(m.vmin), m.Real(m.vmax)
	if a > b {
		a, b = b, a
	}
	return a, b
}

// Percentile returns the p-th percentile (0…100, nearest rank) of the
// real-world values.
func (m *Mono) Percentile(p float64) float64 {
	m.stats()
	n := len(m.V)
	p = max(0, min(100, p))
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = max(1, min(n, rank)) // 1-based
	span := int64(m.vmax) - int64(m.vmin)
	var v int32
	if span < 1<<20 {
		hist := make([]int32, span+1)
		for _, x := range m.V {
			hist[x-m.vmin]++
		}
		acc := 0
		for i, c := range hist {
			acc += int(c)
			if acc >= rank {
				v = m.vmin + int32(i)
				break
			}
		}
	} else {
		// Wide (32-bit) ranges: sort a strided sample of at most 1<<20 values.
		step := max(1, n>>20)
		s := make([]int32, 0, n/step+1)
		for i := 0; i < n; i += step {
			s = append(s, m.V[i])
		}
		slices.Sort(s)
		v = s[max(0, min(len(s)-1, int(math.Ceil(p/100*float64(len(s))))-1))]
	}
	return m.Real(v)
}

// AutoWindow returns the automatic window of the given kind (AutoMinMax or
// AutoPercentile; anything else means AutoMinMax) with WindowLinearExact.
// A flat image gets Width 1 centred on its value.
func (m *Mono) AutoWindow(kind string) Window {
	var lo, hi float64
	if kind == AutoPercentile {
		lo, hi = m.Percentile(PercentileLow), m.Percentile(PercentileHigh)
		if m.slope() < 0 {
			lo, hi = min(lo, hi), max(lo, hi)
		}
	} else {
		kind = AutoMinMax
		lo, hi = m.Range()
	}
	w := hi - lo
	if !(w > 0) {
		w = 1
	}
	return Window{Center: (lo + hi) / 2, Width: w, Function: WindowLinearExact, Source: kind}
}

// Resolve turns a window request into the window to apply: a manual window
// (Source SourceUser, Function LINEAR if empty), else the first of fileWins
// when req.Auto is "" or AutoFile (Source AutoFile), else AutoWindow.
func (m *Mono) Resolve(req Window, fileWins []Window) (Window, error) {
	if err := req.check(); err != nil {
		return Window{}, err
	}
	if req.Manual() {
		w := Window{Center: req.Center, Width: req.Width, Function: req.Function, Source: SourceUser}
		if w.Function == "" {
			w.Function = WindowLinear
		}
		return w, nil
	}
	if req.Auto == "" || req.Auto == AutoFile {
		for _, fw := range fileWins {
			if fw.Width > 0 && !math.IsNaN(fw.Center) && !math.IsInf(fw.Center, 0) && !math.IsInf(fw.Width, 0) {
				w := Window{Center: fw.Center, Width: fw.Width, Function: fw.Function, Source: AutoFile}
				if w.Function == "" {
					w.Function = WindowLinear
				}
				return w, nil
			}
		}
		return m.AutoWindow(AutoMinMax), nil
	}
	return m.AutoWindow(req.Auto), nil
}

// Render windows m to an 8-bit *image.Gray (see Window and Resolve; fileWins
// are the windows stored in the file, if any) and returns the window that
// was applied.
func (m *Mono) Render(req Window, fileWins []Window) (*image.Gray, Window, error) {
	if err := m.validate(); err != nil {
		return nil, Window{}, err
	}
	win, err := m.Resolve(req, fileWins)
	if err != nil {
		return nil, Window{}, err
	}
	g := image.NewGray(image.Rect(0, 0, m.W, m.H))
	m.RenderInto(g.Pix, win)
	return g, win, nil
}

// RenderInto writes the windowed 8-bit values of m into dst (len W*H) with
// the already resolved window win.
func (m *Mono) RenderInto(dst []uint8, win Window) {
	m.stats()
	span := int64(m.vmax) - int64(m.vmin)
	if span < 1<<20 && int64(len(m.V)) > span/4 {
		// A lookup table over the stored range: one entry per stored value.
		lut := make([]uint8, span+1)
		for i := range lut {
			lut[i] = m.out(win, m.vmin+int32(i))
		}
		for i, v := range m.V {
			dst[i] = lut[v-m.vmin]
		}
		return
	}
	for i, v := range m.V {
		dst[i] = m.out(win, v)
	}
}

func (m *Mono) out(win Window, v int32) uint8 {
	y := to8(win.Apply(m.Real(v)))
	if m.Invert {
		y = 255 - y
	}
	return y
}

// MonoFromGray16 copies a 16-bit grayscale image into a Mono (identity
// rescale).
func MonoFromGray16(g *image.Gray16) (*Mono, error) {
	b := g.Bounds()
	m, err := NewMono(b.Dx(), b.Dy())
	if err != nil {
		return nil, err
	}
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		src := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):]
		dst := m.V[y*w : (y+1)*w]
		for x := range dst {
			dst[x] = int32(src[2*x])<<8 | int32(src[2*x+1])
		}
	}
	return m, nil
}
