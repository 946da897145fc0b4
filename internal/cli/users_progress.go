package cli

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/secusers/secusers/client"
)

// usersProgress is the bar of users list --all on stderr. A nil
// *usersProgress draws nothing, which is what a run gets when stderr is not
// a terminal: in a pipe or a log the bar's escape sequences would only be
// litter.
type usersProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newUsersProgress(stderr io.Writer) *usersProgress {
	if !isTerminal(stderr) {
		return nil
	}
	return &usersProgress{w: stderr}
}

// add counts a page's users; the first page tells the total.
func (p *usersProgress) add(page *client.Page) {
	if p == nil {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(page.Metadata.TotalCount,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("Reading users"),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		// A listing from --page N on starts part of the way.
		m := page.Metadata
		_ = p.bar.Set64(min(int64(m.PageIndex-1)*int64(m.PageSize), m.TotalCount))
	}
	_ = p.bar.Add(len(page.Data))
}

// finish clears the bar; it is idempotent.
func (p *usersProgress) finish() {
	if p == nil || p.bar == nil {
		return
	}
	_ = p.bar.Finish()
	p.bar = nil
}
