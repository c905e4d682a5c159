//go:build js

package kernels

// SetMaxWorkers bounds the goroutines one kernel call may use. Under
// GOOS=js (no threads) every call runs on the calling goroutine, so it only
// records the value; it returns the previous one.
func SetMaxWorkers(n int) int {
	prev := maxWorkersJS
	maxWorkersJS = max(n, 0)
	return prev
}

var maxWorkersJS int

func workers() int { return 1 }

// parallelTiles runs tile(s, t) for t = 0..n-1 in order on this goroutine.
func parallelTiles(n, flops int, tile func(s *scratch, t int)) {
	s := getScratch()
	for t := 0; t < n; t++ {
		tile(s, t)
	}
	putScratch(s)
}
