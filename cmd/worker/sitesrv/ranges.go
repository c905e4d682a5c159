package sitesrv

import (
	"math"
	"strconv"
	"strings"
)

// RangeKind is the outcome of evaluating a Range header against a
// representation of known size (RFC 9110 §14).
type RangeKind int

const (
	// RangeIgnore: no Range, or one this server ignores (another unit,
	// invalid syntax, several ranges, unknown or zero size): send 200 with
	// the whole representation, as RFC 9110 §14.2 allows.
	RangeIgnore RangeKind = iota
	// RangeSatisfiable: one valid satisfiable range: send 206.
	RangeSatisfiable
	// RangeUnsatisfiable: one valid range that lies beyond the end: send
	// 416 with Content-Range: bytes */size.
	RangeUnsatisfiable
)

// ByteRange is an inclusive byte range [Start, End].
type ByteRange struct{ Start, End int64 }

// Len is the number of bytes in the range.
func (r ByteRange) Len() int64 { return r.End - r.Start + 1 }

// ContentRange is the Content-Range value of a 206 response.
func (r ByteRange) ContentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End, 10) + "/" + strconv.FormatInt(size, 10)
}

// UnsatisfiedRange is the Content-Range value of a 416 response.
func UnsatisfiedRange(size int64) string { return "bytes */" + strconv.FormatInt(size, 10) }

// ParseRange evaluates a Range header value (several header lines joined
// with ",") for a representation of size bytes. Supported: one range of
// the forms bytes=a-b, bytes=a- and bytes=-n. The unit is
// case-insensitive, whitespace around list elements and empty list
// elements are allowed (RFC 9110 §5.6.1). A malformed header is ignored
// (200), per RFC 9110 §14.2; so are several ranges (multipart/byteranges is
// not implemented). A well-formed single range that starts at or beyond the
// end, or the suffix bytes=-0, is unsatisfiable (416).
func ParseRange(header string, size int64) (ByteRange, RangeKind) {
	header = strings.TrimSpace(header)
	if header == "" || size <= 0 {
		return ByteRange{}, RangeIgnore
	}
	unit, set, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return ByteRange{}, RangeIgnore
	}
	var specs []string
	for _, s := range strings.Split(set, ",") {
		if s = strings.Trim(s, " \t"); s != "" {
			specs = append(specs, s)
		}
	}
	if len(specs) != 1 {
		return ByteRange{}, RangeIgnore
	}
	first, last, ok := strings.Cut(specs[0], "-")
	if !ok {
		return ByteRange{}, RangeIgnore
	}
	if first == "" {
		// suffix-range: the last n bytes.
		n, ok := parseDigits(last)
		if !ok {
			return ByteRange{}, RangeIgnore
		}
		if n == 0 {
			return ByteRange{}, RangeUnsatisfiable
		}
		if n > size {
			n = size
		}
		return ByteRange{Start: size - n, End: size - 1}, RangeSatisfiable
	}
	start, ok := parseDigits(first)
	if !ok {
		return ByteRange{}, RangeIgnore
	}
	end := int64(math.MaxInt64)
	if last != "" {
		if end, ok = parseDigits(last); !ok || end < start {
			return ByteRange{}, RangeIgnore
		}
	}
	if start >= size {
		return ByteRange{}, RangeUnsatisfiable
	}
	if end > size-1 {
		end = size - 1
	}
	return ByteRange{Start: start, End: end}, RangeSatisfiable
}

// parseDigits parses 1*DIGIT, saturating at MaxInt64 (a huge position is
// still valid syntax).
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// NegotiateEncoding picks the content coding for an Accept-Encoding value
// from offered (preferred first). It returns "" for identity: no header,
// nothing acceptable, or everything refused with q=0.
func NegotiateEncoding(accept string, offered []string) string {
	if strings.TrimSpace(accept) == "" || len(offered) == 0 {
		return ""
	}
	q := map[string]float64{}
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				weight = f
			}
		}
		if name == "x-gzip" {
			name = "gzip"
		}
		q[name] = weight
	}
	best, bestQ := "", 0.0
	for _, enc := range offered {
		w, ok := q[enc]
		if !ok {
			w, ok = q["*"]
		}
		if ok && w > bestQ {
			best, bestQ = enc, w
		}
	}
	return best
}

// ETagMatch reports whether an If-None-Match value matches etag by the
// weak comparison of RFC 9110 §8.8.3.2 ("*" matches anything).
func ETagMatch(ifNoneMatch, etag string) bool {
	if etag == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if t != "" && strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// IfRangeAllows reports whether a Range may be honoured given If-Range
// (RFC 9110 §13.1.5): absent, or a strong entity tag equal to etag. A date
// (we send no Last-Modified) or a weak tag means "send it all".
func IfRangeAllows(ifRange, etag string) bool {
	ifRange = strings.TrimSpace(ifRange)
	if ifRange == "" {
		return true
	}
	return etag != "" && !strings.HasPrefix(etag, "W/") && ifRange == etag
}
