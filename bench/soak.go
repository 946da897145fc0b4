package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxRSSGrowth is how much the soak lets the resident set grow between the
// end of its warm-up and its end before it calls the memory not flat.
const maxRSSGrowth = 0.10

// soakResult is what the soak run measured on one store. Its memory
// figures are the server process's.
type soakResult struct {
	target  float64 // requests a second asked for
	load    loadResult
	warmRSS uint64 // resident bytes after the warm-up
	endRSS  uint64 // resident bytes at the end
	maxRSS  uint64 // the most sampled during the run
	// warmHeap and endHeap are the Go heap in use at the same moments,
	// from the server's /metrics: a leak in Go code shows in both, a
	// growth of RSS alone is the allocator's or SQLite's.
	warmHeap, endHeap uint64
	// warmGoroutines and endGoroutines count the server's goroutines: a
	// leaked connection or request shows as one that never ends.
	warmGoroutines, endGoroutines int
}

// growth is RSS at the end over RSS after the warm-up, minus one; 0 when
// RSS is unknown.
func (s *soakResult) growth() float64 {
	if s.warmRSS == 0 {
		return 0
	}
	return float64(s.endRSS)/float64(s.warmRSS) - 1
}

// flat reports whether memory stayed within maxRSSGrowth.
func (s *soakResult) flat() bool {
	return s.warmRSS == 0 || float64(s.endRSS) <= float64(s.warmRSS)*(1+maxRSSGrowth)
}

// mixedPeak is the rate the server sustained, at most, for a mix that sends
// each page case's request in turn: the closed loops measured each case's
// peak alone, and a round-robin mix of k cases costs the sum of their
// times, so its peak is the harmonic mean of theirs. It is 0 when a case
// has no figure.
func mixedPeak(res *storeResult) float64 {
	var perRequest float64
	for _, name := range pageCases {
		s := summarise(res.http[name], 0)
		if s.perSecond <= 0 {
			return 0
		}
		perRequest += 1 / s.perSecond
	}
	return float64(len(pageCases)) / perRequest
}

// soak runs the page cases mixed, paced at cfg.soakLoad of their measured
// peak, for cfg.soak after a warm-up at the same pace, and samples the
// server process's resident set each second: what an hour of steady
// traffic would show of leaks, in a minute. The clients pace themselves on one shared limiter
// (an open loop), so that the server is held below saturation, where its
// latency and memory should stay flat, rather than pushed to it.
func soak(ctx context.Context, cfg config, res *storeResult, log io.Writer, srv *child, hc *httpClient, newOps func() []op) error {
	peak := mixedPeak(res)
	if peak <= 0 {
		return fmt.Errorf("soak: no peak rate to pace by")
	}
	s := &soakResult{target: cfg.soakLoad * peak}
	res.soak = s
	lim := rate.NewLimiter(rate.Limit(s.target), 1)
	warmup := min(max(cfg.soak/6, cfg.warmup), 10*time.Second)
	fmt.Fprintf(log, "%s: soak at %.0f/s (%.0f%% of the mixed peak %.0f/s), %v after %v warm-up\n",
		res.store, s.target, 100*cfg.soakLoad, peak, cfg.soak, warmup)
	if _, err := pacedLoop(ctx, cfg.clients, warmup, lim, srv.cpuTime, newOps, nil); err != nil {
		return err
	}
	s.warmRSS = srv.rss()
	s.warmHeap, s.warmGoroutines = hc.serverRuntime(ctx)
	s.maxRSS = s.warmRSS
	var mu sync.Mutex
	sample := func() {
		rss := srv.rss()
		mu.Lock()
		s.maxRSS = max(s.maxRSS, rss)
		mu.Unlock()
	}
	var err error
	s.load, err = pacedLoop(ctx, cfg.clients, cfg.soak, lim, srv.cpuTime, newOps, sample)
	if err != nil {
		return err
	}
	s.endRSS = srv.rss()
	s.endHeap, s.endGoroutines = hc.serverRuntime(ctx)
	s.maxRSS = max(s.maxRSS, s.endRSS)
	st := summarise(s.load, 0)
	fmt.Fprintf(log, "%s: soak: %.0f/s, p50 %s, p99 %s, %d failed; RSS %s → %s (%+.1f%%)\n",
		res.store, st.perSecond, ms(st.p50), ms(st.p99), s.load.failed, mib(s.warmRSS), mib(s.endRSS), 100*s.growth())
	return nil
}

// pacedLoop is closedLoop's open-loop sibling: clients goroutines each
// wait for the shared limiter before every call, cycling through the ops
// newOps gives them, until d has passed. Only calls are timed, not the
// waits. every, when not nil, runs once a second while the loop runs. cpu
// is the clock of the process that serves the calls.
func pacedLoop(ctx context.Context, clients int, d time.Duration, lim *rate.Limiter, cpu func() time.Duration, newOps func() []op, every func()) (loadResult, error) {
	start, cpu0 := time.Now(), cpu()
	// The loop's deadline stops new calls; a call in flight then finishes
	// and counts, since calls get the caller's context, not the loop's.
	loopCtx, cancel := context.WithDeadline(ctx, start.Add(d))
	defer cancel()
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	if every != nil {
		wg.Go(func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-loopCtx.Done():
					return
				case <-t.C:
					every()
				}
			}
		})
	}
	for range clients {
		ops := newOps()
		wg.Go(func() {
			var mine loadResult
			for i := 0; i < maxCallsPerCase && lim.Wait(loopCtx) == nil; i++ {
				t0 := time.Now()
				_, err := ops[i%len(ops)](ctx)
				mine.record(ctx, sample{took: time.Since(t0)}, err)
			}
			mu.Lock()
			defer mu.Unlock()
			res.add(mine)
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if cpu0 > 0 {
		res.cpu = cpu() - cpu0
	}
	return res, ctx.Err()
}

func mib(n uint64) string {
	if n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// printSoak prints each store's soak figures and its verdict: zero failures
// and memory flat within maxRSSGrowth.
func printSoak(w io.Writer, cfg config, results []*storeResult) {
	if cfg.soak <= 0 {
		return
	}
	fmt.Fprintf(w, "\nsoak: the page cases in turn at %.0f%% of their mixed peak for %v; the server's memory after the warm-up → at the end\n",
		100*cfg.soakLoad, cfg.soak)
	for _, r := range results {
		s := r.soak
		if s == nil {
			fmt.Fprintf(w, "%s: not run\n", r.store)
			continue
		}
		st := summarise(s.load, 0)
		verdict := []string{}
		if s.load.failed == 0 {
			verdict = append(verdict, "no failures")
		} else {
			verdict = append(verdict, fmt.Sprintf("%d FAILED, the first with: %v", s.load.failed, s.load.firstErr))
		}
		switch {
		case s.warmRSS == 0:
			verdict = append(verdict, "RSS unknown here")
		case s.flat():
			verdict = append(verdict, fmt.Sprintf("memory flat (within %.0f%%)", 100*maxRSSGrowth))
		default:
			verdict = append(verdict, fmt.Sprintf("MEMORY GREW %.1f%% (more than %.0f%%)", 100*s.growth(), 100*maxRSSGrowth))
		}
		fmt.Fprintf(w, "%s: asked %.0f/s, served %.0f/s, p50 %s, p90 %s, p99 %s; RSS %s → %s (%+.1f%%, most %s); Go heap %s → %s; goroutines %d → %d; %s\n",
			r.store, s.target, st.perSecond, ms(st.p50), ms(st.p90), ms(st.p99),
			mib(s.warmRSS), mib(s.endRSS), 100*s.growth(), mib(s.maxRSS), mib(s.warmHeap), mib(s.endHeap),
			s.warmGoroutines, s.endGoroutines, strings.Join(verdict, "; "))
	}
}
