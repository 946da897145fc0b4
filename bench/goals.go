package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// The goals of issue 12, set for goalClients clients on a tenant of
// goalUsers users, with the rate limits off.
const (
	goalUsers        = 100_000
	goalClients      = 16
	goalFirstPageP99 = 10 * time.Millisecond // the first page, on SQLite
	goalTokenGrants  = 4000.0                // token grants a second
	goalPeakRSS      = 64_000_000            // bytes (64 MB): the server's peak over the run, on SQLite
)

// floorShares are the shares of the floor's rate each page case must
// reach, by store.
var floorShares = map[string]float64{"sqlite": 0.5, "postgres": 0.4}

// goal is one goal read off one store's results.
type goal struct {
	what, measured, target string
	verdict                string // "met", "NOT MET", or "–" when not measured
	figures                string // the rate and latency of the case it is read off
}

// verdict words whether a goal is met; known is false when the figure is
// missing.
func verdict(met, known bool) string {
	switch {
	case !known:
		return "–"
	case met:
		return "met"
	}
	return "NOT MET"
}

// goalsOf reads the goals off one store's results.
func goalsOf(r *storeResult) []goal {
	var gs []goal
	floor := floorRate(r)
	share, hasShare := floorShares[r.store]
	for _, name := range pageCases {
		s := summarise(r.http[name], 0)
		g := goal{what: name + " ÷ floor", measured: ratio(s.perSecond, floor), figures: caseFigures(s)}
		if hasShare {
			g.target = fmt.Sprintf("≥ %.2f×", share)
		}
		g.verdict = verdict(s.perSecond >= share*floor, hasShare && floor > 0 && s.n > 0)
		gs = append(gs, g)
	}
	if r.store == "sqlite" {
		s := summarise(r.http[caseFirst], 0)
		gs = append(gs, goal{caseFirst + ", p99", orDash(s, ms(s.p99)), "< " + ms(goalFirstPageP99), verdict(s.p99 < goalFirstPageP99, s.n > 0), caseFigures(s)})
	}
	tok := summarise(r.http[caseToken], 0)
	gs = append(gs, goal{"token grants", orDash(tok, fmt.Sprintf("%.0f/s", tok.perSecond)), fmt.Sprintf("≥ %.0f/s", goalTokenGrants),
		verdict(tok.perSecond >= goalTokenGrants, tok.n > 0), caseFigures(tok)})
	rss := goal{what: "server peak RSS (VmHWM)", measured: megabytes(r.server.peak), verdict: "–"}
	if r.store == "sqlite" {
		rss.target = "≤ " + megabytes(goalPeakRSS)
		rss.verdict = verdict(r.server.peak <= goalPeakRSS, r.server.peak > 0)
	}
	return append(gs, rss)
}

// orDash is figure, or "–" when the case has no calls to read it off.
func orDash(s stats, figure string) string {
	if s.n == 0 {
		return "–"
	}
	return figure
}

// caseFigures words a case's rate and latency; "" when it has none.
func caseFigures(s stats) string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f/s, p50 %s, p99 %s", s.perSecond, ms(s.p50), ms(s.p99))
}

// megabytes formats bytes in MB (10⁶ bytes), the goal's unit; "?" for 0.
func megabytes(n uint64) string {
	if n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// serverMemory words the server's peak and final resident set. File
// pages are apart, since they hold the SQLite database where the store
// maps it: they count in RSS, but the kernel can drop them at any time.
func serverMemory(r *storeResult) string {
	m := r.server
	if r.serverMemErr != nil {
		return "the server's memory is unknown: " + r.serverMemErr.Error()
	}
	if m.peak == 0 {
		return "the server's memory was not read"
	}
	return fmt.Sprintf("the server's peak RSS over the run (VmHWM) %s (%s); at the end (VmRSS) %s, of which anonymous %s and file pages %s",
		megabytes(m.peak), mib(m.peak), megabytes(m.rss), megabytes(m.anon), megabytes(m.file))
}

// memoryNote words the server's memory so far, for the progress log: a
// peak well above the resident set at the end is found by when it rose.
func memoryNote(srv *child) string {
	m, err := srv.memory()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("; server RSS %s (anonymous %s, file %s), peak so far %s", megabytes(m.rss), megabytes(m.anon), megabytes(m.file), megabytes(m.peak))
}

// printGoals prints, store by store, each of the goals with the
// figure it is read off, the target and whether it is met. It judges
// nothing itself: the harness exits 0 whatever the verdicts.
func printGoals(w io.Writer, cfg config, results []*storeResult) {
	fmt.Fprintf(w, "\ngoals (issue 12): page rates against the floor measured in the same run, %v per case, %d clients, %d users",
		cfg.duration, cfg.clients, cfg.users)
	if cfg.users != goalUsers || cfg.clients != goalClients {
		fmt.Fprintf(w, " (the goals are set for %d clients on a %d-user tenant: read these as indications)", goalClients, goalUsers)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "store\tgoal\tmeasured\ttarget\tverdict\tthe case")
	for _, r := range results {
		if r.http == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\tfloor: %s from memory\t\t\t\t%s\n", r.store, caseFirst, caseFigures(summarise(r.floor, 0)))
		for _, g := range goalsOf(r) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.store, g.what, g.measured, g.target, g.verdict, g.figures)
		}
	}
	tw.Flush()
}
