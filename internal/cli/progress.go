package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws one download on a terminal's stderr: a bar while bytes arrive, then a
// line that stays ("foobar-2.0.whl  1.2 MB in 0.4s, 3.0 MB/s"). A rate is shown only once
// enough time has passed for it to mean something: a small file read from a local server
// in microseconds would otherwise report gigabytes per second.
type progressBar struct {
	w     io.Writer
	name  string
	total int64 // -1 when unknown
	done  int64
	now   func() time.Time
	start time.Time
	drawn time.Time
	width int // length of the last line drawn, to blank it out
}

const (
	progressEvery   = 100 * time.Millisecond
	progressMinRate = 500 * time.Millisecond // below this, no rate is shown
	progressCells   = 24
)

func newProgressBar(w io.Writer, name string, total int64, now func() time.Time) *progressBar {
	if now == nil {
		now = time.Now
	}
	return &progressBar{w: w, name: safeText(name, false), total: total, now: now, start: now()}
}

func (p *progressBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if t := p.now(); t.Sub(p.drawn) >= progressEvery {
		p.drawn = t
		p.draw(p.line(t), false)
	}
	return len(b), nil
}

// Close draws the last state and ends the line, so the outcome stays on screen.
func (p *progressBar) Close() error {
	t := p.now()
	if p.total >= 0 && p.done == p.total {
		line := fmt.Sprintf("%s  %s in %s", p.name, humanBytes(p.done), t.Sub(p.start).Round(time.Millisecond))
		if r := p.rate(t); r != "" {
			line += ", " + r
		}
		p.draw(line, true)
		return nil
	}
	p.draw(p.line(t), true) // interrupted or failed: the error follows on the next line
	return nil
}

func (p *progressBar) line(t time.Time) string {
	var b strings.Builder
	b.WriteString(p.name)
	b.WriteString("  ")
	if p.total > 0 {
		filled := int(min(p.done, p.total) * progressCells / p.total)
		b.WriteString("[" + strings.Repeat("=", filled) + strings.Repeat(" ", progressCells-filled) + "] ")
		fmt.Fprintf(&b, "%s / %s", humanBytes(p.done), humanBytes(p.total))
	} else {
		b.WriteString(humanBytes(p.done))
	}
	if r := p.rate(t); r != "" {
		b.WriteString("  " + r)
	}
	return b.String()
}

func (p *progressBar) rate(t time.Time) string {
	d := t.Sub(p.start)
	if d < progressMinRate {
		return ""
	}
	return humanBytes(int64(float64(p.done)/d.Seconds())) + "/s"
}

func (p *progressBar) draw(line string, final bool) {
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(line)
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(p.w, "\r%s%s%s", line, pad, end)
}

// humanBytes writes a size as pip does: 1.2 MB, 340 kB, 12 bytes.
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}
