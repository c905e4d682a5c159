package metrics

import (
	"math"
	"slices"
)

// key32 maps a finite float32 to a uint32 whose unsigned order is the
// numeric order of the floats. −0 and +0 map to the same key (numpy's
// np.diff sees them as equal, so sklearn treats them as one threshold).
func key32(f float32) uint32 {
	if f == 0 {
		f = 0
	}
	b := math.Float32bits(f)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

// key64 is key32 for float64.
func key64(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// radixSort32 sorts a ascending in place with an MSD (American flag) radix
// sort on bytes, falling back to pdqsort for small buckets. It needs no
// scratch buffer, which matters for ~10^8 pixel keys.
func radixSort32(a []uint32) {
	radixSort32At(a, 24)
}

const radixCutoff = 256

func radixSort32At(a []uint32, shift uint) {
	for {
		if len(a) <= radixCutoff {
			slices.Sort(a)
			return
		}
		var count [256]int
		for _, v := range a {
			count[(v>>shift)&0xff]++
		}
		// Every key shares this byte: go straight to the next one.
		if count[(a[0]>>shift)&0xff] == len(a) {
			if shift == 0 {
				return
			}
			shift -= 8
			continue
		}
		var next, end [256]int
		s := 0
		for b := range 256 {
			next[b] = s
			s += count[b]
			end[b] = s
		}
		for b := range 256 {
			for next[b] < end[b] {
				v := a[next[b]]
				d := int((v >> shift) & 0xff)
				for d != b {
					v, a[next[d]] = a[next[d]], v
					next[d]++
					d = int((v >> shift) & 0xff)
				}
				a[next[b]] = v
				next[b]++
			}
		}
		if shift == 0 {
			return
		}
		start := 0
		for b := range 256 {
			if count[b] > 1 {
				radixSort32At(a[start:start+count[b]], shift-8)
			}
			start += count[b]
		}
		return
	}
}
