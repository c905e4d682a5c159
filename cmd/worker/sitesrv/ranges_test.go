package sitesrv

import (
	"testing"
)

func TestParseRange(t *testing.T) {
	const size = 1000
	type want struct {
		kind       RangeKind
		start, end int64
	}
	cases := map[string]want{
		"":                             {RangeIgnore, 0, 0},
		"bytes=0-99":                   {RangeSatisfiable, 0, 99},
		"bytes=100-":                   {RangeSatisfiable, 100, 999},
		"bytes=-100":                   {RangeSatisfiable, 900, 999},
		"bytes=-5000":                  {RangeSatisfiable, 0, 999},
		"bytes=990-5000":               {RangeSatisfiable, 990, 999},
		"bytes=999-999":                {RangeSatisfiable, 999, 999},
		"BYTES=1-2":                    {RangeSatisfiable, 1, 2},
		"bytes = 1-2":                  {RangeSatisfiable, 1, 2},
		"bytes= 1-2 ,":                 {RangeSatisfiable, 1, 2},
		"bytes=, 5-6":                  {RangeSatisfiable, 5, 6},
		"bytes=0-99999999999999999999": {RangeSatisfiable, 0, 999},
		// unsatisfiable: 416
		"bytes=1000-":                 {RangeUnsatisfiable, 0, 0},
		"bytes=1000-2000":             {RangeUnsatisfiable, 0, 0},
		"bytes=-0":                    {RangeUnsatisfiable, 0, 0},
		"bytes=99999999999999999999-": {RangeUnsatisfiable, 0, 0},
		// malformed or unsupported: ignored (200)
		"bytes=":           {RangeIgnore, 0, 0},
		"bytes=abc":        {RangeIgnore, 0, 0},
		"bytes=5":          {RangeIgnore, 0, 0},
		"bytes=-":          {RangeIgnore, 0, 0},
		"bytes=10-5":       {RangeIgnore, 0, 0},
		"bytes=-1-2":       {RangeIgnore, 0, 0},
		"bytes=+1-2":       {RangeIgnore, 0, 0},
		"bytes=1-+2":       {RangeIgnore, 0, 0},
		"bytes=0x10-20":    {RangeIgnore, 0, 0},
		"bytes=1 -2":       {RangeIgnore, 0, 0},
		"bytes 0-10":       {RangeIgnore, 0, 0},
		"items=0-10":       {RangeIgnore, 0, 0},
		"0-10":             {RangeIgnore, 0, 0},
		"bytes=0-1,5-6":    {RangeIgnore, 0, 0}, // several ranges
		"bytes=0-1, 2000-": {RangeIgnore, 0, 0},
	}
	for h, w := range cases {
		r, kind := ParseRange(h, size)
		if kind != w.kind || (kind == RangeSatisfiable && (r.Start != w.start || r.End != w.end)) {
			t.Errorf("ParseRange(%q) = %v %+v, want %v %d-%d", h, kind, r, w.kind, w.start, w.end)
		}
	}
	if _, kind := ParseRange("bytes=0-1", 0); kind != RangeIgnore {
		t.Error("empty representation: ignore ranges")
	}
	if _, kind := ParseRange("bytes=0-1", -1); kind != RangeIgnore {
		t.Error("unknown size: ignore ranges")
	}
	r := ByteRange{Start: 10, End: 19}
	if r.Len() != 10 || r.ContentRange(100) != "bytes 10-19/100" || UnsatisfiedRange(100) != "bytes */100" {
		t.Error("Content-Range formatting")
	}
}

func TestNegotiateEncoding(t *testing.T) {
	both := []string{"br", "gzip"}
	cases := []struct {
		accept  string
		offered []string
		want    string
	}{
		{"", both, ""},
		{"gzip, deflate, br", both, "br"},
		{"gzip", both, "gzip"},
		{"br;q=0.5, gzip", both, "gzip"},
		{"br;q=0, gzip;q=0", both, ""},
		{"identity", both, ""},
		{"*", both, "br"},
		{"*, br;q=0", both, "gzip"},
		{"x-gzip", both, "gzip"},
		{"GZIP", both, "gzip"},
		{"gzip;q=bogus", both, ""},
		{"gzip, br", nil, ""},
		{"gzip, br", []string{"gzip"}, "gzip"},
	}
	for _, c := range cases {
		if got := NegotiateEncoding(c.accept, c.offered); got != c.want {
			t.Errorf("NegotiateEncoding(%q, %v) = %q, want %q", c.accept, c.offered, got, c.want)
		}
	}
}

func TestETagMatchAndIfRange(t *testing.T) {
	if !ETagMatch(`"a"`, `"a"`) || !ETagMatch(`W/"a"`, `"a"`) || !ETagMatch(`"b", "a"`, `"a"`) || !ETagMatch("*", `"a"`) || !ETagMatch(`"a"`, `W/"a"`) {
		t.Error("weak comparison should match")
	}
	if ETagMatch(`"b"`, `"a"`) || ETagMatch(`"a"`, "") || ETagMatch("", `"a"`) {
		t.Error("should not match")
	}
	if !IfRangeAllows("", `"a"`) || !IfRangeAllows(`"a"`, `"a"`) {
		t.Error("If-Range should allow")
	}
	if IfRangeAllows(`"b"`, `"a"`) || IfRangeAllows(`W/"a"`, `W/"a"`) || IfRangeAllows("Wed, 21 Oct 2015 07:28:00 GMT", `"a"`) {
		t.Error("If-Range should refuse")
	}
}
