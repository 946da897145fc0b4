package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cells are a row's figures for one store: req/s, req/s over the floor's,
// p50, p90, p99, the serving process's CPU time per call, and failures.
type cells [7]string

// row is one line of the table: a label, how the case was reached, and its
// figures for one store.
type row struct {
	label, via string
	cells      func(*storeResult) cells
}

// tableRows lists the table's rows: the floor; for each page case the HTTP
// figures, the in-process figures and their ratio (the cost of everything
// but the query and the encoding); for the walk also its first and last
// page.
func tableRows() []row {
	rows := []row{{"floor: " + caseFirst + " from memory", "HTTP", figures(floorOf, 0, false)}}
	for _, name := range pageCases {
		rows = append(rows,
			row{name, "HTTP", figures(httpOf(name), 0, true)},
			row{"", "in-process", figures(inprocOf(name), 0, false)},
			row{"", "HTTP ÷ in-process", ratios(httpOf(name), 0, inprocOf(name), 0)})
		if name != caseWalk {
			continue
		}
		for _, via := range []struct {
			name string
			of   pick
		}{{"HTTP", httpOf(name)}, {"in-process", inprocOf(name)}} {
			last := "  page " + strconv.Itoa(walkPages)
			rows = append(rows,
				row{"  page 1", via.name, figures(via.of, 1, false)},
				row{last, via.name, figures(via.of, walkPages, false)},
				row{last + " ÷ page 1", via.name, ratios(via.of, walkPages, via.of, 1)})
		}
	}
	return append(rows, row{caseToken, "HTTP", figures(httpOf(caseToken), 0, false)})
}

// pick finds a case's result in a store's results.
type pick func(*storeResult) (loadResult, bool)

func httpOf(name string) pick {
	return func(r *storeResult) (loadResult, bool) { lr, ok := r.http[name]; return lr, ok }
}

func inprocOf(name string) pick {
	return func(r *storeResult) (loadResult, bool) { lr, ok := r.inproc[name]; return lr, ok }
}

func floorOf(r *storeResult) (loadResult, bool) { return r.floor, r.floor.elapsed > 0 }

// figures are req/s, p50, p90, p99, CPU per call and failures of the calls
// at pos (all calls when 0), with req/s over the floor's when vsFloor. A
// position's rate would be a share of the walk's rather than one of its
// own; its sample count, which says how far its p99 can be trusted, stands
// in that column instead.
func figures(of pick, pos int, vsFloor bool) func(*storeResult) cells {
	return func(r *storeResult) cells {
		lr, ok := of(r)
		s := summarise(lr, pos)
		if !ok || s.n == 0 {
			return cells{"–", "", "–", "–", "–", "–", "–"}
		}
		if pos != 0 {
			return cells{"n=" + strconv.Itoa(s.n), "", ms(s.p50), ms(s.p90), ms(s.p99), "", ""}
		}
		cpu := "–"
		if s.cpuPerCall > 0 {
			cpu = ms(s.cpuPerCall)
		}
		floor := ""
		if vsFloor {
			floor = ratio(s.perSecond, floorRate(r))
		}
		return cells{fmt.Sprintf("%.0f", s.perSecond), floor, ms(s.p50), ms(s.p90), ms(s.p99), cpu, strconv.Itoa(lr.failed)}
	}
}

// floorRate is the floor's requests a second, 0 when not measured.
func floorRate(r *storeResult) float64 { return summarise(r.floor, 0).perSecond }

// ratio formats n ÷ d as a multiple, "–" when there is no d to divide by.
func ratio(n, d float64) string {
	if d <= 0 || n < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", n/d)
}

// ratios divides each percentile of a's calls at posA by b's at posB, and
// a's CPU time per call by b's when both are whole cases.
func ratios(a pick, posA int, b pick, posB int) func(*storeResult) cells {
	return func(r *storeResult) cells {
		ra, okA := a(r)
		rb, okB := b(r)
		sa, sb := summarise(ra, posA), summarise(rb, posB)
		if !okA || !okB || sa.n == 0 || sb.n == 0 {
			return cells{"", "", "–", "–", "–", "", ""}
		}
		x := func(n, d time.Duration) string {
			if d == 0 {
				return ""
			}
			return ratio(float64(n), float64(d))
		}
		return cells{"", "", x(sa.p50, sb.p50), x(sa.p90, sb.p90), x(sa.p99, sb.p99), x(sa.cpuPerCall, sb.cpuPerCall), ""}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// printTable prints each store's dataset, then the stores' figures side by
// side, then the targets they are read against and any failures.
func printTable(w io.Writer, cfg config, results []*storeResult) {
	fmt.Fprintln(w)
	for _, r := range results {
		if r.http == nil {
			fmt.Fprintf(w, "%s: not measured\n", r.store)
			continue
		}
		fmt.Fprintf(w, "%s: dataset %s; middle page: pageIndex %d; load average %s before, %s after (%d cores)\n",
			r.store, r.dataset, r.middle, r.loadBefore, r.loadAfter, runtime.NumCPU())
		if r.floorBytes > 0 {
			fmt.Fprintf(w, "%s: the floor served the first page as the server sends it, %d bytes\n", r.store, r.floorBytes)
		}
		fmt.Fprintf(w, "%s: %s\n", r.store, serverMemory(r))
	}
	rows := tableRows()
	labelW, viaW := len("case"), len("via")
	for _, rw := range rows {
		labelW, viaW = max(labelW, len([]rune(rw.label))), max(viaW, len([]rune(rw.via)))
	}
	const colW = 9
	line := func(label, via string, blocks []cells) {
		var b strings.Builder
		fmt.Fprintf(&b, "%-*s  %-*s", labelW, label, viaW, via)
		for _, cs := range blocks {
			b.WriteString("  |")
			for _, c := range cs {
				fmt.Fprintf(&b, " %*s", colW, c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	fmt.Fprintln(w)
	var names, heads []cells
	for _, r := range results {
		names = append(names, cells{r.store})
		heads = append(heads, cells{"req/s", "× floor", "p50", "p90", "p99", "cpu/req", "failed"})
	}
	line("", "", names)
	line("case", "via", heads)
	for _, rw := range rows {
		blocks := make([]cells, len(results))
		for i, r := range results {
			blocks[i] = rw.cells(r)
		}
		line(rw.label, rw.via, blocks)
	}
	fmt.Fprintf(w, "\n× floor: req/s over the floor's, measured in the same store's turn. cpu/req: CPU time per call of the process\n"+
		"that serves it: the server (SQLite runs inside it; PostgreSQL's processes are not counted), the floor, or this\n"+
		"one for in-process rows; the clients' CPU is not in it, though they share the cores. Earlier targets: p99 under\n"+
		"25ms for every page case at 16 clients on the 1,000,000-user tenant; page %d no slower than 1.5× page 1;\n"+
		"HTTP ÷ in-process p50 under 1.5. Measured here: %d clients, %d users.\n", walkPages, cfg.clients, cfg.users)
	for _, r := range results {
		if r.floor.failed > 0 {
			fmt.Fprintf(w, "%s floor: %d calls failed, the first with: %v\n", r.store, r.floor.failed, r.floor.firstErr)
		}
		for _, name := range slices.Concat(pageCases, []string{caseToken}) {
			for _, kind := range []struct {
				name string
				m    map[string]loadResult
			}{{"HTTP", r.http}, {"in-process", r.inproc}} {
				if lr := kind.m[name]; lr.failed > 0 {
					fmt.Fprintf(w, "%s %s %s: %d calls failed, the first with: %v\n", r.store, kind.name, name, lr.failed, lr.firstErr)
				}
			}
		}
	}
}

// failures is an error when any call failed: figures that leave failures
// out would flatter the server.
func failures(results []*storeResult) error {
	n := 0
	for _, r := range results {
		n += r.floor.failed
		for _, m := range []map[string]loadResult{r.http, r.inproc} {
			for _, lr := range m {
				n += lr.failed
			}
		}
		if r.soak != nil {
			n += r.soak.load.failed
		}
	}
	if n > 0 {
		return fmt.Errorf("%d calls failed; the figures above leave them out", n)
	}
	return nil
}
