package metrics

import "time"

// RouteReport is one route's metrics at a Snapshot: latency over the last
// interval and since start, its counters and its circuit state.
type RouteReport struct {
	// Route is the route's name; empty in Report.All.
	Route string `json:"route"`
	// Interval summarises the latencies recorded since the previous
	// Snapshot (or since the registry was made).
	Interval Snapshot `json:"interval"`
	// Total summarises every latency recorded since the registry was made.
	Total Snapshot `json:"total"`
	// Events are the counters since start, summed over the workers.
	Events EventCounts `json:"events"`
	// Circuit is the most severe state over the workers (open, then
	// half-open, then closed), as its integer value.
	Circuit CircuitState `json:"circuit"`
	// SumNs is the exact sum of every latency since start, in ns.
	SumNs int64 `json:"sum_ns"`
}

// Report is a Registry's metrics at one Snapshot.
type Report struct {
	// IntervalNs is the length of the interval that RouteReport.Interval
	// covers, in ns.
	IntervalNs int64 `json:"interval_ns"`
	// UptimeNs is the time since the registry was made, in ns.
	UptimeNs int64 `json:"uptime_ns"`
	// Routes has one entry per route, in the order they were added.
	Routes []RouteReport `json:"routes"`
	// All merges every route: latencies over all routes, counters summed,
	// the most severe circuit state.
	All RouteReport `json:"all"`
}

// Snapshot ends the current interval of every recorder and reports, per
// route and over all routes, latency over that interval and since start,
// and the counters. Safe for concurrent use with the writers and other
// readers; it allocates the Report, never on the writers' side. The
// embedding program calls it at its own cadence (say once a second); each
// call defines the next interval. The Prometheus Handler does not end
// intervals.
func (r *Registry) Snapshot() Report {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	now := time.Now()
	routes := *r.routes.Load()
	rep := Report{
		IntervalNs: int64(now.Sub(r.lastSnapshot)),
		UptimeNs:   int64(now.Sub(r.start)),
		Routes:     make([]RouteReport, 0, len(routes)),
	}
	r.lastSnapshot = now
	r.allIv.reset()
	r.allTot.reset()
	all := RouteReport{Circuit: CircuitClosed}
	for _, rt := range routes {
		rt.collect(r.routeIv, r.routeTot)
		rr := RouteReport{
			Route:    rt.name,
			Interval: r.routeIv.snapshot(),
			Total:    r.routeTot.snapshot(),
			SumNs:    r.routeTot.sum,
		}
		rr.Events, rr.Circuit = rt.events()
		rep.Routes = append(rep.Routes, rr)
		r.allIv.add(r.routeIv)
		r.allTot.add(r.routeTot)
		all.Events = all.Events.plus(rr.Events)
		all.Circuit = worse(all.Circuit, rr.Circuit)
	}
	all.Interval = r.allIv.snapshot()
	all.Total = r.allTot.snapshot()
	all.SumNs = r.allTot.sum
	rep.All = all
	last := rep
	last.Routes = append([]RouteReport(nil), rep.Routes...)
	r.lastInterval = &last
	return rep
}
