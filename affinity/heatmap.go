package affinity

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
)

// heatGrid is the matrix laid out for drawing: values[i][j] is the median
// one-way latency between CPUs[i] and CPUs[j], NaN on the diagonal and
// where unmeasured.
type heatGrid struct {
	cpus     []int
	values   [][]float64
	min, max float64
}

func (m *C2CMatrix) grid(method Method) heatGrid {
	n := len(m.CPUs)
	g := heatGrid{cpus: m.CPUs, values: make([][]float64, n), min: math.Inf(1), max: math.Inf(-1)}
	idx := map[int]int{}
	for i, c := range m.CPUs {
		idx[c] = i
		g.values[i] = make([]float64, n)
		for j := range g.values[i] {
			g.values[i][j] = math.NaN()
		}
	}
	for _, p := range m.Pairs {
		i, okI := idx[p.A]
		j, okJ := idx[p.B]
		if !okI || !okJ {
			continue
		}
		v := p.Of(method).MedianNs
		g.values[i][j], g.values[j][i] = v, v
		g.min, g.max = math.Min(g.min, v), math.Max(g.max, v)
	}
	if g.min > g.max {
		g.min, g.max = 0, 0
	}
	return g
}

// heatColor maps v in [lo, hi] onto green - yellow - red.
func heatColor(v, lo, hi float64) color.RGBA {
	if math.IsNaN(v) {
		return color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	}
	t := 0.0
	if hi > lo {
		t = (v - lo) / (hi - lo)
	}
	stops := [3][3]float64{{0x1a, 0x98, 0x50}, {0xfe, 0xe0, 0x8b}, {0xd7, 0x30, 0x27}}
	a, b, f := stops[0], stops[1], t*2
	if t > 0.5 {
		a, b, f = stops[1], stops[2], (t-0.5)*2
	}
	mix := func(x, y float64) uint8 { return uint8(x + (y-x)*f + 0.5) }
	return color.RGBA{mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2]), 0xff}
}

// cellSize picks a cell edge so that the picture stays under ~800 pixels.
func cellSize(n int) int { return max(8, min(48, 768/max(n, 1))) }

// glyph returns the 3x5 pixel pattern of a digit or '.', one row per 3
// bits, and false for anything else.
func glyph(r rune) ([5]uint8, bool) {
	switch r {
	case '0':
		return [5]uint8{7, 5, 5, 5, 7}, true
	case '1':
		return [5]uint8{2, 6, 2, 2, 7}, true
	case '2':
		return [5]uint8{7, 1, 7, 4, 7}, true
	case '3':
		return [5]uint8{7, 1, 7, 1, 7}, true
	case '4':
		return [5]uint8{5, 5, 7, 1, 1}, true
	case '5':
		return [5]uint8{7, 4, 7, 1, 7}, true
	case '6':
		return [5]uint8{7, 4, 7, 5, 7}, true
	case '7':
		return [5]uint8{7, 1, 1, 1, 1}, true
	case '8':
		return [5]uint8{7, 5, 7, 5, 7}, true
	case '9':
		return [5]uint8{7, 5, 7, 1, 7}, true
	case '.':
		return [5]uint8{0, 0, 0, 0, 2}, true
	}
	return [5]uint8{}, false
}

// drawText draws s (digits only) with its top-left at (x, y), scaled.
func drawText(img *image.RGBA, x, y, scale int, s string, c color.Color) {
	for _, r := range s {
		g, ok := glyph(r)
		if !ok {
			x += 4 * scale
			continue
		}
		for row := 0; row < 5; row++ {
			for col := 0; col < 3; col++ {
				if g[row]&(4>>col) == 0 {
					continue
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.Set(x+col*scale+dx, y+row*scale+dy, c)
					}
				}
			}
		}
		x += 4 * scale
	}
}

func textWidth(s string, scale int) int { return len(s)*4*scale - scale }

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.Set(x, y, c)
		}
	}
}

// WritePNG draws the method's median latencies as a heat map: CPU numbers
// on both axes, green fastest and red slowest, the value in each cell when
// it fits, and a scale bar labelled with the extremes in ns. It uses only
// the standard library (a built-in digit font, no text otherwise).
func (m *C2CMatrix) WritePNG(w io.Writer, method Method) error {
	g := m.grid(method)
	n := len(g.cpus)
	cs := cellSize(n)
	labelScale := 2
	margin := textWidth(strconv.Itoa(maxInt(g.cpus)), labelScale) + 12
	barW, barGap := 16, 24
	minLabel, maxLabel := formatNs(g.min), formatNs(g.max)
	legendW := barGap + barW + 8 + textWidth(maxLabel, labelScale) + 8
	width, height := margin+n*cs+legendW, margin+n*cs+8
	img := image.NewRGBA(image.Rect(0, 0, width, max(height, 120)))
	fill(img, img.Bounds(), color.White)
	black := color.RGBA{0x20, 0x20, 0x20, 0xff}
	for i, c := range g.cpus {
		s := strconv.Itoa(c)
		drawText(img, margin-6-textWidth(s, labelScale), margin+i*cs+(cs-5*labelScale)/2, labelScale, s, black)
		drawText(img, margin+i*cs+(cs-textWidth(s, labelScale))/2, margin-6-5*labelScale, labelScale, s, black)
	}
	for i := range g.values {
		for j, v := range g.values[i] {
			r := image.Rect(margin+j*cs+1, margin+i*cs+1, margin+(j+1)*cs, margin+(i+1)*cs)
			fill(img, r, heatColor(v, g.min, g.max))
			if s := formatNs(v); !math.IsNaN(v) && textWidth(s, 1)+4 <= cs {
				drawText(img, r.Min.X+(cs-textWidth(s, 1))/2, r.Min.Y+(cs-5)/2, 1, s, black)
			}
		}
	}
	// Scale bar: max at the top, min at the bottom.
	bx, by, bh := margin+n*cs+barGap, margin, max(n*cs, 60)
	for y := 0; y < bh; y++ {
		v := g.max - (g.max-g.min)*float64(y)/float64(max(bh-1, 1))
		fill(img, image.Rect(bx, by+y, bx+barW, by+y+1), heatColor(v, g.min, g.max))
	}
	drawText(img, bx+barW+8, by, labelScale, maxLabel, black)
	drawText(img, bx+barW+8, by+bh-5*labelScale, labelScale, minLabel, black)
	bw := bufio.NewWriter(w)
	if err := png.Encode(bw, img); err != nil {
		return fmt.Errorf("affinity: heat map png: %w", err)
	}
	return bw.Flush()
}

// WriteSVG draws the same heat map as WritePNG as an SVG document, with a
// title, axis names, values in the cells and a tooltip per cell.
func (m *C2CMatrix) WriteSVG(w io.Writer, method Method) error {
	g := m.grid(method)
	n := len(g.cpus)
	cs := cellSize(n)
	margin, top := 56, 64
	width, height := margin+n*cs+120, top+n*cs+40
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%d" y="20" font-size="14">core-to-core one-way latency, %s, median ns (%d samples x %d round trips)</text>`+"\n", margin, method, m.Samples, m.RoundTrips)
	p(`<text x="%d" y="%d" font-size="11" text-anchor="middle">CPU</text>`+"\n", margin+n*cs/2, top-26)
	p(`<text x="14" y="%d" font-size="11" text-anchor="middle" transform="rotate(-90 14 %d)">CPU</text>`+"\n", top+n*cs/2, top+n*cs/2)
	fontSize := max(6, min(12, cs/4))
	for i, c := range g.cpus {
		p(`<text x="%d" y="%d" font-size="%d" text-anchor="end" dominant-baseline="middle">%d</text>`+"\n", margin-4, top+i*cs+cs/2, fontSize, c)
		p(`<text x="%d" y="%d" font-size="%d" text-anchor="middle">%d</text>`+"\n", margin+i*cs+cs/2, top-6, fontSize, c)
	}
	for i := range g.values {
		for j, v := range g.values[i] {
			col := heatColor(v, g.min, g.max)
			x, y := margin+j*cs, top+i*cs
			p(`<rect x="%d" y="%d" width="%d" height="%d" fill="#%02x%02x%02x" stroke="white">`, x, y, cs, cs, col.R, col.G, col.B)
			if math.IsNaN(v) {
				p(`<title>cpu %d</title></rect>`+"\n", g.cpus[i])
				continue
			}
			p(`<title>cpu %d - cpu %d: %s ns</title></rect>`+"\n", g.cpus[i], g.cpus[j], formatNs(v))
			if cs >= 24 {
				p(`<text x="%d" y="%d" font-size="%d" text-anchor="middle" dominant-baseline="middle">%s</text>`+"\n", x+cs/2, y+cs/2, fontSize, formatNs(v))
			}
		}
	}
	lx := margin + n*cs + 24
	p(`<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">`)
	for _, t := range []float64{0, 0.5, 1} {
		c := heatColor(g.min+(g.max-g.min)*t, g.min, g.max)
		p(`<stop offset="%g" stop-color="#%02x%02x%02x"/>`, t, c.R, c.G, c.B)
	}
	p("</linearGradient></defs>\n")
	bh := max(n*cs, 60)
	p(`<rect x="%d" y="%d" width="16" height="%d" fill="url(#scale)"/>`+"\n", lx, top, bh)
	p(`<text x="%d" y="%d" font-size="11" dominant-baseline="hanging">%s ns</text>`+"\n", lx+22, top, formatNs(g.max))
	p(`<text x="%d" y="%d" font-size="11">%s ns</text>`+"\n", lx+22, top+bh, formatNs(g.min))
	p("</svg>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("affinity: heat map svg: %w", err)
	}
	return nil
}

func formatNs(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
