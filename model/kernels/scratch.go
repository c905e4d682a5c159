package kernels

import "sync"

// scratch holds one goroutine's packing buffers; they are reused through a
// sync.Pool so steady-state calls do not allocate.
type scratch struct {
	a, b []float32 // f32 packed A block and B block
	qa   []int8    // int8 packed activation block
	qb   []int64   // int8 lane-packed weight block
	acc  []int32   // int8 accumulator tile
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { scratchPool.Put(s) }
