package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line progress bar with ETA on a terminal, and
// prints a plain line every few seconds otherwise (logs, CI).
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	start    time.Time
	last     time.Time
	tty      bool
	extra    string
	finished bool
}

func newProgress(label string, total int) *progress {
	tty := false
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		tty = true
	}
	return &progress{w: os.Stderr, label: label, total: total, start: time.Now(), tty: tty}
}

// Add counts n finished items; extra is shown after the bar (e.g. a loss).
func (p *progress) Add(n int, extra string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if extra != "" {
		p.extra = extra
	}
	now := time.Now()
	if p.done < p.total && now.Sub(p.last) < p.interval() {
		return
	}
	p.last = now
	p.draw(now)
}

func (p *progress) interval() time.Duration {
	if p.tty {
		return 100 * time.Millisecond
	}
	return 5 * time.Second
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

func (p *progress) draw(now time.Time) {
	el := now.Sub(p.start)
	eta := "--:--"
	if p.done > 0 && p.total > 0 {
		eta = fmtDur(time.Duration(float64(el) / float64(p.done) * float64(p.total-p.done)))
	}
	frac := 0.0
	if p.total > 0 {
		frac = float64(p.done) / float64(p.total)
	}
	const width = 30
	fill := int(frac * width)
	bar := strings.Repeat("#", fill) + strings.Repeat(".", width-fill)
	line := fmt.Sprintf("%s [%s] %d/%d %3.0f%% elapsed %s ETA %s %s", p.label, bar, p.done, p.total, 100*frac, fmtDur(el), eta, p.extra)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// Done finishes the bar.
func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.last.IsZero() || p.done < p.total {
		p.draw(time.Now())
	}
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
