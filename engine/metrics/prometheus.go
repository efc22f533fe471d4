package metrics

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// Prometheus metric names. Latencies are exposed in seconds, the
// Prometheus base unit (the Snapshot API stays in nanoseconds).
const (
	MetricEvents          = "hotpath_route_events_total"
	MetricCircuit         = "hotpath_route_circuit_state"
	MetricLatency         = "hotpath_route_latency_seconds"
	MetricClamped         = "hotpath_route_latency_clamped_total"
	MetricIntervalLatency = "hotpath_route_interval_latency_seconds"
	MetricIntervalCount   = "hotpath_route_interval_latency_samples"
)

// PrometheusContentType is the Content-Type of the Handler's responses: the
// Prometheus text exposition format, version 0.0.4.
const PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler returns an http.Handler that serves the registry's metrics in the
// Prometheus text exposition format, for the embedding program to mount
// (say at /metrics). Each request flips every recorder into its since-start
// histogram (it does not end the intervals that Snapshot reports) and reads
// the counters' atomics: the writers see none of it. Requests serialise on
// the registry's read mutex. Methods other than GET and HEAD get 405.
//
// Families, one line per route (label route) and as labelled:
//
//	hotpath_route_events_total{route,event}           counter, event = published, delivered, dropped,
//	                                                   retried, dead_lettered, spilled, replayed, panics
//	hotpath_route_circuit_state{route}                gauge, 0 closed, 1 open, 2 half-open
//	hotpath_route_latency_seconds{route,quantile}     summary since start, quantile = 0.5, 0.9, 0.99,
//	                                                   0.999, 0.9999, 1 (the maximum); with _sum and _count
//	hotpath_route_latency_clamped_total{route}        counter, latencies clamped to the histogram's range
//	hotpath_route_interval_latency_seconds{route,quantile}  gauge, the last Snapshot's interval
//	hotpath_route_interval_latency_samples{route}     gauge, values in that interval
//
// The two interval families appear only once Snapshot has been called.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		r.writePrometheus(&buf)
		w.Header().Set("Content-Type", PrometheusContentType)
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		if req.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(buf.Bytes())
	})
}

// promRoute is what the exposition needs of one route.
type promRoute struct {
	label   string // escaped route label value
	events  EventCounts
	circuit CircuitState
	total   Snapshot
	sum     int64
}

// writePrometheus writes the exposition to b.
func (r *Registry) writePrometheus(b *bytes.Buffer) {
	r.readMu.Lock()
	routes := *r.routes.Load()
	rows := make([]promRoute, len(routes))
	for i, rt := range routes {
		rt.collect(nil, r.routeTot)
		p := &rows[i]
		p.label = escapeLabel(rt.name)
		p.events, p.circuit = rt.events()
		p.total = r.routeTot.snapshot()
		p.sum = r.routeTot.sum
	}
	last := r.lastInterval
	r.readMu.Unlock()

	header(b, MetricEvents, "counter", "Events per route, by event, since start.")
	for _, p := range rows {
		for e := Event(0); e < NumEvents; e++ {
			b.WriteString(MetricEvents)
			b.WriteString(`{route="`)
			b.WriteString(p.label)
			b.WriteString(`",event="`)
			b.WriteString(e.String())
			b.WriteString(`"} `)
			b.WriteString(strconv.FormatUint(p.events.Get(e), 10))
			b.WriteByte('\n')
		}
	}

	header(b, MetricCircuit, "gauge", "Circuit breaker state per route: 0 closed, 1 open, 2 half-open (the most severe over workers).")
	for _, p := range rows {
		sample(b, MetricCircuit, p.label, "", strconv.FormatUint(uint64(p.circuit), 10))
	}

	header(b, MetricLatency, "summary", "Route latency since start, from an HDR histogram; quantile 1 is the maximum.")
	for _, p := range rows {
		quantiles(b, MetricLatency, p.label, p.total)
		sample(b, MetricLatency+"_sum", p.label, "", seconds(p.sum))
		sample(b, MetricLatency+"_count", p.label, "", strconv.FormatInt(p.total.Count, 10))
	}

	header(b, MetricClamped, "counter", "Route latencies outside the histogram's range, recorded at its nearest bound.")
	for _, p := range rows {
		sample(b, MetricClamped, p.label, "", strconv.FormatInt(p.total.Clamped, 10))
	}

	if last == nil {
		return
	}
	header(b, MetricIntervalLatency, "gauge", "Route latency over the interval that ended at the last Snapshot.")
	for _, rr := range last.Routes {
		quantiles(b, MetricIntervalLatency, escapeLabel(rr.Route), rr.Interval)
	}
	header(b, MetricIntervalCount, "gauge", "Route latencies recorded in the interval that ended at the last Snapshot.")
	for _, rr := range last.Routes {
		sample(b, MetricIntervalCount, escapeLabel(rr.Route), "", strconv.FormatInt(rr.Interval.Count, 10))
	}
}

// header writes a family's HELP and TYPE lines.
func header(b *bytes.Buffer, name, typ, help string) {
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(help)
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(typ)
	b.WriteByte('\n')
}

// quantiles writes the quantile samples of s, in seconds.
func quantiles(b *bytes.Buffer, name, label string, s Snapshot) {
	sample(b, name, label, "0.5", seconds(s.P50))
	sample(b, name, label, "0.9", seconds(s.P90))
	sample(b, name, label, "0.99", seconds(s.P99))
	sample(b, name, label, "0.999", seconds(s.P999))
	sample(b, name, label, "0.9999", seconds(s.P9999))
	sample(b, name, label, "1", seconds(s.Max))
}

// sample writes one sample line: name{route="label"[,quantile="q"]} value.
func sample(b *bytes.Buffer, name, label, quantile, value string) {
	b.WriteString(name)
	b.WriteString(`{route="`)
	b.WriteString(label)
	if quantile != "" {
		b.WriteString(`",quantile="`)
		b.WriteString(quantile)
	}
	b.WriteString(`"} `)
	b.WriteString(value)
	b.WriteByte('\n')
}

// seconds formats ns nanoseconds as seconds, shortest exact form.
func seconds(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'g', -1, 64)
}

// escapeLabel escapes a label value for the text format: backslash, double
// quote and line feed; invalid UTF-8 becomes U+FFFD.
func escapeLabel(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			sb.WriteString(`\\`)
		case '"':
			sb.WriteString(`\"`)
		case '\n':
			sb.WriteString(`\n`)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
