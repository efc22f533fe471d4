package bench

import (
	"bufio"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// Plot geometry, in pixels: the picture and the margins around the plotting area.
const (
	plotW, plotH             = 960, 540
	marginL, marginR         = 96, 56
	marginT, marginB         = 68, 64
	plotTextScale            = 2
	logYAbove        float64 = 50 // a y range wider than this ratio is drawn on a log axis
)

// spectrum is a percentile-spectrum plot: latency against 1/(1-p), x on a log axis from 1
// (0%) to 10^decades, one line per implementation. It is computed once and drawn as PNG or
// SVG, so that both show the same picture.
type spectrum struct {
	title   string
	lines   []spectrumLine
	decades int     // x axis: 1 .. 10^decades
	yLog    bool    // y axis on a log scale
	yLo     float64 // y axis range, ns
	yHi     float64
	yTicks  []float64
}

type spectrumLine struct {
	label string
	color color.RGBA
	x, y  []float64 // 1/(1-p) and latency (ns)
}

// implColor is the line colour of an implementation: fixed for the usual ones, so that a
// reader learns them once, and from a cycle for others.
func implColor(impl string, i int) color.RGBA {
	switch impl {
	case "hotpath":
		return color.RGBA{31, 119, 180, 255}
	case "chan":
		return color.RGBA{255, 127, 14, 255}
	case "workiva":
		return color.RGBA{44, 160, 44, 255}
	case "workiva-pool":
		return color.RGBA{152, 223, 138, 255}
	case "raw", "copy":
		return color.RGBA{127, 127, 127, 255}
	}
	cycle := [...]color.RGBA{{214, 39, 40, 255}, {148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}}
	return cycle[i%len(cycle)]
}

// newSpectrum builds the plot of scenario's results in r that have a histogram; ok is false
// when none has.
func newSpectrum(r *Report, scenario string) (spectrum, bool) {
	p := spectrum{title: fmt.Sprintf("%s: latency by percentile, open loop at %s events/s", scenario, fmtRate(scenarioRate(r, scenario)))}
	yMin, yMax, xMax := math.Inf(1), 0.0, 10.0
	for i, res := range r.Scenarios {
		if res.Name != scenario || res.hist == nil || res.hist.TotalCount() == 0 {
			continue
		}
		l := spectrumLine{color: implColor(res.Impl, i)}
		l.label = res.Impl
		if res.Latency != nil {
			l.label = fmt.Sprintf("%s (p50 %s, max %s)", res.Impl, fmtNs(res.Latency.P50), fmtNs(res.Latency.Max))
		}
		for _, b := range res.hist.CumulativeDistributionWithTicks(HgrmTicks) {
			q := b.Quantile / 100
			if q >= 1 {
				continue
			}
			x, y := 1/(1-q), float64(max(b.ValueAt, 1))
			l.x, l.y = append(l.x, x), append(l.y, y)
			xMax, yMin, yMax = math.Max(xMax, x), math.Min(yMin, y), math.Max(yMax, y)
		}
		if len(l.x) > 0 {
			p.lines = append(p.lines, l)
		}
	}
	if len(p.lines) == 0 {
		return p, false
	}
	p.decades = max(2, int(math.Ceil(math.Log10(xMax)-1e-9)))
	if yMax/yMin > logYAbove {
		p.yLog = true
		p.yLo = math.Pow(10, math.Floor(math.Log10(yMin)))
		p.yHi = math.Pow(10, math.Ceil(math.Log10(yMax)))
		for v := p.yLo; v <= p.yHi*1.0001; v *= 10 {
			p.yTicks = append(p.yTicks, v)
		}
	} else {
		step := niceStep(yMax / 5)
		p.yHi = math.Ceil(yMax/step) * step
		for v := 0.0; v <= p.yHi+step/2; v += step {
			p.yTicks = append(p.yTicks, v)
		}
	}
	return p, true
}

// scenarioRate is the rate scenario's open loop ran at: its own (Result.Load.RatePerSec, which
// a scenario such as route-e2e-1m sets apart from the run's), or the run-wide rate where no
// result of scenario records a load.
func scenarioRate(r *Report, scenario string) float64 {
	for _, res := range r.Scenarios {
		if res.Name == scenario && res.Load != nil && res.Load.RatePerSec > 0 {
			return res.Load.RatePerSec
		}
	}
	return r.Run.RatePerSec
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// percentileLabel names the x position 10^k, the percentile 100*(1 - 10^-k): 0%, 90%, 99%,
// 99.9% ...
func percentileLabel(k int) string {
	switch {
	case k <= 0:
		return "0%"
	case k == 1:
		return "90%"
	case k == 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", k-2) + "%"
}

// px and py map data to picture coordinates.
func (p spectrum) px(x float64) float64 {
	return marginL + math.Log10(math.Max(x, 1))/float64(p.decades)*(plotW-marginL-marginR)
}

func (p spectrum) py(y float64) float64 {
	f := 0.0
	if p.yLog {
		f = (math.Log10(math.Max(y, p.yLo)) - math.Log10(p.yLo)) / (math.Log10(p.yHi) - math.Log10(p.yLo))
	} else if p.yHi > p.yLo {
		f = (y - p.yLo) / (p.yHi - p.yLo)
	}
	return plotH - marginB - f*(plotH-marginT-marginB)
}

// yLabel is the y axis title.
func (p spectrum) yLabel() string {
	if p.yLog {
		return "latency (log scale)"
	}
	return "latency"
}

// plotInk and plotGrid are the colours of text and axes, and of grid lines.
func plotInk() color.RGBA  { return color.RGBA{40, 40, 40, 255} }
func plotGrid() color.RGBA { return color.RGBA{225, 225, 225, 255} }

// WritePlotPNG draws the percentile-spectrum plot of scenario (one line per implementation
// with a latency histogram) as a PNG. It returns an error when no result of scenario has one.
func (r *Report) WritePlotPNG(w io.Writer, scenario string) error {
	p, ok := newSpectrum(r, scenario)
	if !ok {
		return fmt.Errorf("bench: no latency histogram for scenario %q", scenario)
	}
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH))
	fillRect(img, img.Bounds(), color.White)
	s := plotTextScale
	left, right, top, bottom := marginL, plotW-marginR, marginT, plotH-marginB
	for k := 0; k <= p.decades; k++ {
		x := int(math.Round(p.px(math.Pow(10, float64(k)))))
		fillRect(img, image.Rect(x, top, x+1, bottom), plotGrid())
		l := percentileLabel(k)
		drawText(img, min(x-textWidth(l, s)/2, plotW-4-textWidth(l, s)), bottom+8, s, l, plotInk())
	}
	for _, v := range p.yTicks {
		y := int(math.Round(p.py(v)))
		fillRect(img, image.Rect(left, y, right, y+1), plotGrid())
		l := fmtAxisNs(v)
		drawText(img, left-8-textWidth(l, s), y-glyphH*s/2, s, l, plotInk())
	}
	fillRect(img, image.Rect(left, top, left+1, bottom+1), plotInk())
	fillRect(img, image.Rect(left, bottom, right+1, bottom+1), plotInk())
	drawText(img, left, 12, s, p.title, plotInk())
	xl := "percentile (x: 1/(1-p), log scale)"
	drawText(img, (left+right-textWidth(xl, s))/2, plotH-26, s, xl, plotInk())
	drawText(img, 8, top-24, s, p.yLabel(), plotInk())
	for _, l := range p.lines {
		for j := 1; j < len(l.x); j++ {
			drawLine(img, p.px(l.x[j-1]), p.py(l.y[j-1]), p.px(l.x[j]), p.py(l.y[j]), l.color)
		}
	}
	legendW := 0
	for _, l := range p.lines {
		legendW = max(legendW, textWidth(l.label, s))
	}
	box := p.legendBox(legendW+48, 12+len(p.lines)*(glyphH*s+8))
	fillRect(img, box, color.White)
	for i, l := range p.lines {
		lx, ly := box.Min.X-4, box.Min.Y+6+i*(glyphH*s+8)
		fillRect(img, image.Rect(lx+12, ly+glyphH*s/2-2, lx+36, ly+glyphH*s/2+2), l.color)
		drawText(img, lx+44, ly, s, l.label, plotInk())
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("bench: writing png: %w", err)
	}
	return nil
}

// legendBox places a w x h legend inside the plotting area where it hides the least of the
// lines: the first of the corners (top left, bottom right, top right, bottom left) that
// covers none of them, else the first free spot found scanning from the top left, else the
// corner that covers the fewest of their points. Latency grows with the percentile, so the lines usually leave
// the top left (low percentiles) or the bottom right (high percentiles) free.
func (p spectrum) legendBox(w, h int) image.Rectangle {
	left, right, top, bottom := marginL+4, plotW-marginR-4, marginT+4, plotH-marginB-4
	w, h = min(w, right-left), min(h, bottom-top)
	var pts []image.Point // the lines, a point every pixel or so, 2 pixels wide
	for _, l := range p.lines {
		for j := 1; j < len(l.x); j++ {
			x0, y0, x1, y1 := p.px(l.x[j-1]), p.py(l.y[j-1]), p.px(l.x[j]), p.py(l.y[j])
			n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
			for i := 0; i <= n; i++ {
				t := float64(i) / float64(n)
				pts = append(pts, image.Pt(int(math.Round(x0+t*(x1-x0))), int(math.Round(y0+t*(y1-y0)))))
			}
		}
	}
	covered := func(r image.Rectangle) int {
		n := 0
		for _, pt := range pts {
			// The line is 2 pixels wide (drawLine), and a few pixels of air keep it readable.
			if pt.X >= r.Min.X-3 && pt.X < r.Max.X+3 && pt.Y >= r.Min.Y-3 && pt.Y < r.Max.Y+3 {
				n++
			}
		}
		return n
	}
	at := func(x, y int) image.Rectangle { return image.Rect(x, y, x+w, y+h) }
	corners := []image.Rectangle{at(left, top), at(right-w, bottom-h), at(right-w, top), at(left, bottom-h)}
	best, fewest := corners[0], math.MaxInt
	for _, r := range corners {
		n := covered(r)
		if n == 0 {
			return r
		}
		if n < fewest {
			best, fewest = r, n
		}
	}
	const step = 8
	for y := top; y+h <= bottom; y += step {
		for x := left; x+w <= right; x += step {
			if r := at(x, y); covered(r) == 0 {
				return r
			}
		}
	}
	return best
}

// drawLine draws a 2-pixel-wide segment from (x0, y0) to (x1, y1).
func drawLine(img *image.RGBA, x0, y0, x1, y1 float64, c color.Color) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		x, y := int(math.Round(x0+t*(x1-x0))), int(math.Round(y0+t*(y1-y0)))
		fillRect(img, image.Rect(x-1, y-1, x+1, y+1), c)
	}
}

// WritePlotSVG draws the same plot as WritePlotPNG as an SVG document.
func (r *Report) WritePlotSVG(w io.Writer, scenario string) error {
	p, ok := newSpectrum(r, scenario)
	if !ok {
		return fmt.Errorf("bench: no latency histogram for scenario %q", scenario)
	}
	bw := bufio.NewWriter(w)
	left, right, top, bottom := float64(marginL), float64(plotW-marginR), float64(marginT), float64(plotH-marginB)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="14">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	fmt.Fprintf(bw, `<text x="%.0f" y="30" font-size="16">%s</text>`+"\n", left, html.EscapeString(p.title))
	for k := 0; k <= p.decades; k++ {
		x := p.px(math.Pow(10, float64(k)))
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s"/>`+"\n", x, top, x, bottom, svgColor(plotGrid()))
		fmt.Fprintf(bw, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`+"\n", x, bottom+22, percentileLabel(k))
	}
	for _, v := range p.yTicks {
		y := p.py(v)
		fmt.Fprintf(bw, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s"/>`+"\n", left, y, right, y, svgColor(plotGrid()))
		fmt.Fprintf(bw, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+5, fmtAxisNs(v))
	}
	fmt.Fprintf(bw, `<polyline points="%.0f,%.0f %.0f,%.0f %.0f,%.0f" fill="none" stroke="%s"/>`+"\n", left, top, left, bottom, right, bottom, svgColor(plotInk()))
	fmt.Fprintf(bw, `<text x="%.0f" y="%d" text-anchor="middle">percentile (x: 1/(1-p), log scale)</text>`+"\n", (left+right)/2, plotH-18)
	fmt.Fprintf(bw, `<text x="8" y="%.0f">%s</text>`+"\n", top-12, p.yLabel())
	legendW := 0
	for _, l := range p.lines {
		var pts strings.Builder
		for j := range l.x {
			fmt.Fprintf(&pts, "%.1f,%.1f ", p.px(l.x[j]), p.py(l.y[j]))
		}
		fmt.Fprintf(bw, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></polyline>`+"\n", strings.TrimSpace(pts.String()), svgColor(l.color), html.EscapeString(l.label))
		legendW = max(legendW, svgTextWidth(l.label))
	}
	// The legend goes where the PNG's does (legendBox): where it hides none of the lines.
	box := p.legendBox(legendW+56, 10+len(p.lines)*22)
	fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="white" fill-opacity="0.85"/>`+"\n", box.Min.X, box.Min.Y, box.Dx(), box.Dy())
	for i, l := range p.lines {
		lx, ly := float64(box.Min.X)-4, float64(box.Min.Y)+22+float64(i)*22
		fmt.Fprintf(bw, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="4"/>`+"\n", lx+12, ly-5, lx+36, ly-5, svgColor(l.color))
		fmt.Fprintf(bw, `<text x="%.0f" y="%.0f">%s</text>`+"\n", lx+44, ly, html.EscapeString(l.label))
	}
	fmt.Fprintln(bw, "</svg>")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: writing svg: %w", err)
	}
	return nil
}

// svgTextWidth estimates the width in pixels of s in the SVG's 14-pixel sans-serif: a
// generous 8.5 pixels a character, so that the legend's box holds it in any usual font.
func svgTextWidth(s string) int { return int(math.Ceil(8.5 * float64(len(s)))) }

func svgColor(c color.RGBA) string { return fmt.Sprintf("rgb(%d,%d,%d)", c.R, c.G, c.B) }
