package dicom

import (
	"encoding/binary"
	"fmt"
)

// decodeRLE decodes one RLE Lossless frame (PS3.5 Annex G): a 64-byte
// header (number of segments, then 15 segment offsets) and PackBits
// segments, one per byte of each sample, most significant byte first. Each
// segment decodes to exactly n bytes (the pixels of the frame); the result
// is nseg planes.
func decodeRLE(data []byte, n, nseg int) ([][]byte, error) {
	if len(data) < 64 {
		return nil, fmt.Errorf("%w: RLE frame of %d bytes has no header", ErrTruncated, len(data))
	}
	got := int(binary.LittleEndian.Uint32(data))
	if got != nseg {
		return nil, fmt.Errorf("%w: RLE frame has %d segments, the header needs %d", ErrCorrupt, got, nseg)
	}
	if nseg < 1 || nseg > 15 {
		return nil, fmt.Errorf("%w: %d RLE segments", ErrUnsupported, nseg)
	}
	offs := make([]int, nseg+1)
	for i := 0; i < nseg; i++ {
		offs[i] = int(binary.LittleEndian.Uint32(data[4+4*i:]))
		if offs[i] < 64 || offs[i] > len(data) || (i > 0 && offs[i] < offs[i-1]) {
			return nil, fmt.Errorf("%w: RLE segment %d offset %d outside the %d-byte frame", ErrCorrupt, i+1, offs[i], len(data))
		}
	}
	offs[nseg] = len(data)
	planes := make([][]byte, nseg)
	for i := range planes {
		planes[i] = make([]byte, n)
		if err := unpackBits(planes[i], data[offs[i]:offs[i+1]]); err != nil {
			return nil, fmt.Errorf("RLE segment %d: %w", i+1, err)
		}
	}
	return planes, nil
}

// unpackBits fills dst from a PackBits segment: a header byte h followed by
// h+1 literal bytes (0 ≤ h ≤ 127) or one byte repeated 1-h times
// (-127 ≤ h ≤ -1); -128 is a no-op. Input beyond a full dst is ignored
// (encoders pad segments).
func unpackBits(dst, src []byte) error {
	o, i := 0, 0
	for o < len(dst) {
		if i >= len(src) {
			return fmt.Errorf("%w: decodes to %d of %d bytes", ErrCorrupt, o, len(dst))
		}
		h := int8(src[i])
		i++
		switch {
		case h >= 0:
			k := int(h) + 1
			if i+k > len(src) || o+k > len(dst) {
				return fmt.Errorf("%w: literal run overflows", ErrCorrupt)
			}
			copy(dst[o:], src[i:i+k])
			i += k
			o += k
		case h != -128:
			k := 1 - int(h)
			if i >= len(src) || o+k > len(dst) {
				return fmt.Errorf("%w: repeat run overflows", ErrCorrupt)
			}
			b := src[i]
			i++
			for j := 0; j < k; j++ {
				dst[o+j] = b
			}
			o += k
		}
	}
	return nil
}
