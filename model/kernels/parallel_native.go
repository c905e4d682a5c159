//go:build !js

package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelMinFlops is the work below which a product runs on the calling
// goroutine only: starting goroutines costs a few microseconds.
const parallelMinFlops = 1 << 21

var maxWorkers atomic.Int32

// SetMaxWorkers bounds the goroutines one kernel call may use (n <= 0
// means runtime.GOMAXPROCS) and returns the previous bound. Results do not
// depend on it: work is split by output tiles and every output element is
// summed in the same order whatever the split. It has no effect under
// GOOS=js, which always runs on one goroutine.
func SetMaxWorkers(n int) int {
	return int(maxWorkers.Swap(int32(max(n, 0))))
}

func workers() int {
	w := runtime.GOMAXPROCS(0)
	if m := int(maxWorkers.Load()); m > 0 && m < w {
		w = m
	}
	return w
}

// parallelTiles runs tile(s, t) for t = 0..n-1 on up to workers()
// goroutines (the caller's included); each goroutine has its own scratch.
func parallelTiles(n, flops int, tile func(s *scratch, t int)) {
	w := min(workers(), n)
	if flops < parallelMinFlops {
		w = 1
	}
	if w <= 1 {
		s := getScratch()
		for t := 0; t < n; t++ {
			tile(s, t)
		}
		putScratch(s)
		return
	}
	var next atomic.Int64
	run := func() {
		s := getScratch()
		for {
			t := int(next.Add(1) - 1)
			if t >= n {
				break
			}
			tile(s, t)
		}
		putScratch(s)
	}
	var wg sync.WaitGroup
	for i := 1; i < w; i++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}
