package bench

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir writes r into dir (created if missing): results.json; one .hgrm file per result
// with a latency histogram, named <scenario>.<impl>.hgrm (microseconds); a percentile-spectrum
// plot per scenario with latencies, <scenario>.png and <scenario>.svg; and index.html, which
// shows the table and the plots. It returns the paths it wrote, index.html last.
func WriteDir(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: output directory: %w", err)
	}
	var written []string
	write := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		if err := writeFile(path, f); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if err := write("results.json", r.WriteJSON); err != nil {
		return written, err
	}
	var plots []htmlPlot
	plotOf := map[string]int{} // scenario -> its index in plots
	for _, res := range r.Scenarios {
		if res.hist == nil {
			continue
		}
		h := res.hist
		name := fileName(res.Name) + "." + fileName(res.Impl) + ".hgrm"
		if err := write(name, func(w io.Writer) error { return WriteHgrm(w, h, 1000) }); err != nil {
			return written, err
		}
		if i, ok := plotOf[res.Name]; ok {
			plots[i].Hgrms = append(plots[i].Hgrms, name)
			continue
		}
		plotOf[res.Name] = len(plots)
		base := fileName(res.Name)
		scenario := res.Name
		if err := write(base+".png", func(w io.Writer) error { return r.WritePlotPNG(w, scenario) }); err != nil {
			return written, err
		}
		if err := write(base+".svg", func(w io.Writer) error { return r.WritePlotSVG(w, scenario) }); err != nil {
			return written, err
		}
		plots = append(plots, htmlPlot{Scenario: scenario, PNG: base + ".png", SVG: base + ".svg", Hgrms: []string{name}})
	}
	if err := write("index.html", func(w io.Writer) error { return writeIndex(w, r, plots) }); err != nil {
		return written, err
	}
	return written, nil
}

// writeFile creates path and writes it with f, reporting the first error, the close's
// included.
func writeFile(path string, f func(io.Writer) error) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("bench: %w", cerr)
		}
	}()
	return f(file)
}

// fileName keeps the characters of s that are safe in a file name, replacing others by '_'.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// htmlPlot is one scenario's plots and histogram files in index.html.
type htmlPlot struct {
	Scenario, PNG, SVG string
	Hgrms              []string
}

// writeIndex writes index.html: the text table and every plot.
func writeIndex(w io.Writer, r *Report, plots []htmlPlot) error {
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		return err
	}
	t, err := template.New("index").Parse(indexHTML)
	if err != nil {
		return fmt.Errorf("bench: index template: %w", err)
	}
	data := struct {
		Table string
		Plots []htmlPlot
	}{table.String(), plots}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("bench: writing index.html: %w", err)
	}
	return nil
}

// indexHTML is the template of index.html.
const indexHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hotpath benchmark results</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }
figure { margin: 2em 0; }
figcaption { font-size: 13px; color: #555; }
img { max-width: 100%; }
</style>
</head>
<body>
<h1>hotpath benchmark results</h1>
<p>Raw data: <a href="results.json">results.json</a> (schema in docs/benchmarks.md).
Latency is measured from each event's intended send time in an open loop at a constant rate
(coordinated omission corrected), recorded in HDR histograms.</p>
<pre>{{.Table}}</pre>
{{range .Plots}}<figure>
<img src="{{.SVG}}" alt="{{.Scenario}}: latency by percentile">
<figcaption>{{.Scenario}}: <a href="{{.PNG}}">PNG</a>, <a href="{{.SVG}}">SVG</a>; HdrHistogram percentile files:
{{range $i, $h := .Hgrms}}{{if $i}}, {{end}}<a href="{{$h}}">{{$h}}</a>{{end}}</figcaption>
</figure>
{{end}}</body>
</html>
`
