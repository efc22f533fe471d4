package metrics

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// promSample is one parsed sample line.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

// promFamily is a family's HELP and TYPE.
type promFamily struct {
	help, typ string
}

// parseExposition parses the Prometheus text format strictly enough to catch
// our mistakes: every line is a HELP, a TYPE or a sample; every sample
// belongs to a family whose TYPE came before it (summary samples may end in
// _sum or _count); a family's samples are contiguous.
func parseExposition(text string) (map[string]promFamily, []promSample, error) {
	fams := make(map[string]promFamily)
	var samples []promSample
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, nil, errors.New("no final line feed")
	}
	current := ""
	done := make(map[string]bool)
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		where := fmt.Sprintf("line %d %q", i+1, line)
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, help, ok := strings.Cut(rest, " ")
			if !ok || help == "" {
				return nil, nil, fmt.Errorf("%s: HELP without text", where)
			}
			if _, dup := fams[name]; dup {
				return nil, nil, fmt.Errorf("%s: second HELP for %s", where, name)
			}
			fams[name] = promFamily{help: help}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			f, ok := fams[name]
			if !ok || f.typ != "" {
				return nil, nil, fmt.Errorf("%s: TYPE without HELP, or twice", where)
			}
			switch typ {
			case "counter", "gauge", "summary", "histogram", "untyped":
			default:
				return nil, nil, fmt.Errorf("%s: unknown type %q", where, typ)
			}
			f.typ = typ
			fams[name] = f
			if current != "" {
				done[current] = true
			}
			current = name
			continue
		}
		if strings.HasPrefix(line, "#") {
			return nil, nil, fmt.Errorf("%s: unexpected comment", where)
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		fam := s.name
		if fams[current].typ == "summary" {
			fam = strings.TrimSuffix(strings.TrimSuffix(fam, "_sum"), "_count")
		}
		if fam != current || done[fam] {
			return nil, nil, fmt.Errorf("%s: sample outside its family's block (current %q)", where, current)
		}
		samples = append(samples, s)
	}
	return fams, samples, nil
}

// parseSample parses name{k="v",...} value.
func parseSample(line string) (promSample, error) {
	s := promSample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, errors.New("no metric name")
	}
	s.name = line[:i]
	for _, c := range s.name {
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return s, fmt.Errorf("bad metric name %q", s.name)
		}
	}
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			eq := strings.IndexByte(rest, '=')
			if eq <= 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
				return s, errors.New("bad label")
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var val strings.Builder
			closed := false
			for len(rest) > 0 && !closed {
				c := rest[0]
				rest = rest[1:]
				switch c {
				case '"':
					closed = true
				case '\\':
					if len(rest) == 0 {
						return s, errors.New("dangling escape")
					}
					switch rest[0] {
					case '\\':
						val.WriteByte('\\')
					case '"':
						val.WriteByte('"')
					case 'n':
						val.WriteByte('\n')
					default:
						return s, fmt.Errorf("bad escape \\%c", rest[0])
					}
					rest = rest[1:]
				case '\n':
					return s, errors.New("raw line feed in label")
				default:
					val.WriteByte(c)
				}
			}
			if !closed {
				return s, errors.New("unterminated label value")
			}
			if _, dup := s.labels[key]; dup {
				return s, fmt.Errorf("duplicate label %q", key)
			}
			s.labels[key] = val.String()
			if rest == "" {
				return s, errors.New("unterminated label set")
			}
			if rest[0] == ',' {
				rest = rest[1:]
				continue
			}
			if rest[0] != '}' {
				return s, errors.New("expected , or }")
			}
			rest = rest[1:]
			break
		}
	}
	v, ok := strings.CutPrefix(rest, " ")
	if !ok {
		return s, errors.New("no space before the value")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return s, fmt.Errorf("bad value: %w", err)
	}
	s.value = f
	return s, nil
}

// scrape serves one GET of reg's handler.
func scrape(t testing.TB, reg *Registry) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// find returns the value of the sample with that name and labels.
func find(t testing.TB, samples []promSample, name string, labels map[string]string) float64 {
	t.Helper()
next:
	for _, s := range samples {
		if s.name != name || len(s.labels) != len(labels) {
			continue
		}
		for k, v := range labels {
			if s.labels[k] != v {
				continue next
			}
		}
		return s.value
	}
	t.Fatalf("no sample %s%v", name, labels)
	return 0
}

func TestHandler(t *testing.T) {
	reg := newTestRegistry(t, Config{Workers: 2}, "md", `we"ird\route`+"\n")
	md := reg.Route("md")
	for v := int64(1); v <= 1000; v++ {
		md.Recorder(int(v % 2)).Record(v * 1000) // 1 us .. 1 ms
	}
	md.Recorder(0).Record(-3) // clamped
	md.Counters(0).Add(EventPublished, 10)
	md.Counters(1).Add(EventPublished, 5)
	md.Counters(1).Inc(EventDeadLettered)
	md.Counters(0).SetCircuit(CircuitOpen)

	resp, body := scrape(t, reg)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, PrometheusContentType, resp.Header.Get("Content-Type"))
	fams, samples, err := parseExposition(body)
	require.NoError(t, err, "exposition:\n%s", body)

	want := map[string]string{
		MetricEvents:  "counter",
		MetricCircuit: "gauge",
		MetricLatency: "summary",
		MetricClamped: "counter",
	}
	for name, typ := range want {
		assert.Equal(t, typ, fams[name].typ, "TYPE of %s", name)
	}
	assert.NotContains(t, fams, MetricIntervalLatency, "no interval families before a Snapshot")

	route := map[string]string{"route": "md"}
	ev := func(e Event) map[string]string { return map[string]string{"route": "md", "event": e.String()} }
	q := func(q string) map[string]string { return map[string]string{"route": "md", "quantile": q} }
	assert.Equal(t, 15.0, find(t, samples, MetricEvents, ev(EventPublished)))
	assert.Equal(t, 1.0, find(t, samples, MetricEvents, ev(EventDeadLettered)))
	assert.Equal(t, 0.0, find(t, samples, MetricEvents, ev(EventPanic)))
	assert.Equal(t, float64(CircuitOpen), find(t, samples, MetricCircuit, route))
	assert.Equal(t, 1001.0, find(t, samples, MetricLatency+"_count", route))
	assert.InDelta(t, 500500e3/1e9, find(t, samples, MetricLatency+"_sum", route), 1e-12)
	assert.InDelta(t, 500e-6, find(t, samples, MetricLatency, q("0.5")), 1e-6)
	assert.InDelta(t, 990e-6, find(t, samples, MetricLatency, q("0.99")), 1e-6)
	assert.Equal(t, 1e-3, find(t, samples, MetricLatency, q("1")), "max")
	assert.Equal(t, 1.0, find(t, samples, MetricClamped, route))

	// The awkward name survives escaping.
	weird := map[string]string{"route": `we"ird\route` + "\n"}
	assert.Equal(t, 0.0, find(t, samples, MetricLatency+"_count", weird))
	assert.Contains(t, body, `route="we\"ird\\route\n"`)

	// Each route has one sample per event and six quantiles.
	n := map[string]int{}
	for _, s := range samples {
		n[s.name]++
	}
	assert.Equal(t, 2*NumEvents, n[MetricEvents])
	assert.Equal(t, 2*6, n[MetricLatency])

	// After a Snapshot, the last interval shows too.
	reg.Snapshot()
	_, body = scrape(t, reg)
	fams, samples, err = parseExposition(body)
	require.NoError(t, err, "exposition:\n%s", body)
	assert.Equal(t, "gauge", fams[MetricIntervalLatency].typ)
	assert.Equal(t, "gauge", fams[MetricIntervalCount].typ)
	assert.Equal(t, 1001.0, find(t, samples, MetricIntervalCount, route))
	assert.Equal(t, 1e-3, find(t, samples, MetricIntervalLatency, q("1")))
}

func TestHandlerMethods(t *testing.T) {
	reg := newTestRegistry(t, Config{}, "r")
	h := reg.Handler()
	tests := []struct {
		method   string
		code     int
		wantBody bool
	}{
		{http.MethodGet, http.StatusOK, true},
		{http.MethodHead, http.StatusOK, false},
		{http.MethodPost, http.StatusMethodNotAllowed, true},
		{http.MethodDelete, http.StatusMethodNotAllowed, true},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/metrics", nil))
		assert.Equal(t, tt.code, rec.Code, "%s: status", tt.method)
		assert.Equal(t, tt.wantBody, rec.Body.Len() > 0, "%s: body", tt.method)
	}
}

func TestHandlerEmptyRegistry(t *testing.T) {
	reg := newTestRegistry(t, Config{})
	_, body := scrape(t, reg)
	fams, samples, err := parseExposition(body)
	require.NoError(t, err)
	assert.Empty(t, samples)
	assert.Len(t, fams, 4, "HELP and TYPE even without routes")
}

func TestEscapeLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a"b`, `a\"b`},
		{`a\b`, `a\\b`},
		{"a\nb", `a\nb`},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, escapeLabel(tt.in), "escapeLabel(%q)", tt.in)
	}
}

// FuzzRouteLabel checks that any route name yields a well-formed exposition
// whose route label reads back as the (UTF-8-repaired) name.
func FuzzRouteLabel(f *testing.F) {
	for _, s := range []string{"md", `q"uote`, `back\slash`, "line\nfeed", "\xff\xfe", "ünï", "}{=,\" "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" {
			return
		}
		reg, err := NewRegistry(Config{Histogram: HistogramConfig{Digits: 1, HighestNs: 1000}})
		require.NoError(t, err)
		rt, err := reg.AddRoute(name)
		require.NoError(t, err)
		rt.Recorder(0).Record(7)
		rec := httptest.NewRecorder()
		reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		_, samples, err := parseExposition(rec.Body.String())
		require.NoError(t, err, "exposition for %q:\n%s", name, rec.Body.String())
		want := strings.ToValidUTF8(name, "\uFFFD")
		for _, s := range samples {
			require.Equal(t, want, s.labels["route"], "route label of %s", s.name)
		}
	})
}
