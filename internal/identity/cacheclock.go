package identity

import "time"

// cacheClock is the Service's clock as the otter caches read it, so that
// their entries expire by the same clock as everything else the Service
// decides (tests inject one to reach an expiry without waiting).
//
// It gives the caches no ticks, which spares them the periodic clean-up
// goroutine: an expired entry is never returned, the caches drop expired
// entries as they are used, and their size bound caps what the others
// hold meanwhile.
type cacheClock func() time.Time

// NowNano implements otter.Clock.
func (c cacheClock) NowNano() int64 { return c().UnixNano() }

// Tick implements otter.Clock: no ticks (see cacheClock).
func (cacheClock) Tick(time.Duration) <-chan time.Time { return nil }
