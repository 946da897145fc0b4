package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/secusers/secusers/internal/tenantsync"
)

// progressBar draws a sync's progress on standard error: a spinner with the
// pages and users read while Graph is read (how many there are is not known
// until the end), then a bar of the users written. A nil *progressBar draws
// nothing, which is what a run gets when its output is not a terminal.
type progressBar struct {
	w     io.Writer
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	phase tenantsync.Phase
}

// newProgressBar returns a bar when both standard output and standard
// error are terminals: with either redirected the command is being
// scripted, and escape sequences would only litter a log or a pipe.
func (e *env) newProgressBar() *progressBar {
	if !isTerminal(e.stdout) || !isTerminal(e.stderr) {
		return nil
	}
	return &progressBar{w: e.stderr}
}

// update is the Syncer's Progress callback.
func (p *progressBar) update(pr tenantsync.Progress) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || pr.Phase != p.phase {
		p.start(pr)
	}
	switch pr.Phase {
	case tenantsync.PhaseReading:
		// The bar's own count would read "n/-" with no total to show, so
		// the description carries the counts.
		p.bar.Describe(fmt.Sprintf("Reading Graph: %-19s %6d pages, %8d users", pr.Read, pr.Pages, pr.Users))
		_ = p.bar.Set(pr.Pages)
	case tenantsync.PhaseWriting:
		_ = p.bar.Set(pr.Written)
	}
}

// start begins the bar of a phase, ending the previous one's.
func (p *progressBar) start(pr tenantsync.Progress) {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
	p.phase = pr.Phase
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	}
	if pr.Phase == tenantsync.PhaseReading {
		p.bar = progressbar.NewOptions64(-1, append(opts, progressbar.OptionSetDescription("Reading Graph"))...)
		return
	}
	p.bar = progressbar.NewOptions64(int64(pr.Total), append(opts,
		progressbar.OptionSetDescription("Writing users"),
		progressbar.OptionSetItsString("users"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount())...)
}

// finish ends the bar, leaving the last state visible above the result.
func (p *progressBar) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
