package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/secusers/secusers/internal/secusers"
)

// respondHistory reads the tenant's points of the days asked for and
// writes them (overview-api.md §3).
func (h *Handler) respondHistory(ctx context.Context, w http.ResponseWriter, c *call) error {
	q := c.history
	points, err := h.store.History(ctx, c.tenantID, q.From, q.To)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		// The tenant was deleted since findTenant: the same 404 as ever.
		return notFoundError(c, err)
	case err != nil:
		return fmt.Errorf("read history of tenant %s: %w", c.tenantID, err)
	}
	send(w, http.StatusOK, appendHistory(make([]byte, 0, 256+len(points)*256), points, q))
	return nil
}

// appendHistory appends the 200 body of a history to dst:
//
//	{"data":[{"date":"2026-12-02","securityUsers":412,"counts":{"MFADisabled":120,…}}],
//	 "metadata":{"from":"2026-11-03","to":"2026-12-02"}}
//
// written by hand rather than by encoding/json, which would sort the
// counts' names: here they come in status order, every status present, as
// the spec's sample has them and as a reader scans them.
func appendHistory(dst []byte, points []secusers.HistoryPoint, q historyQuery) []byte {
	dst = append(dst, `{"data":[`...)
	for i, p := range points {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"date":"`...)
		dst = p.Day.AppendFormat(dst, dateLayout)
		dst = append(dst, `","securityUsers":`...)
		dst = strconv.AppendInt(dst, p.SecurityUsers, 10)
		dst = appendCounts(append(dst, `,"counts":`...), p.Counts)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"metadata":{"from":"`...)
	dst = q.From.AppendFormat(dst, dateLayout)
	dst = append(dst, `","to":"`...)
	dst = q.To.AppendFormat(dst, dateLayout)
	return append(dst, "\"}}\n"...)
}

// appendCounts appends counts as a JSON object of every status's name (a
// plain identifier: nothing to escape) and count, in status order.
func appendCounts(dst []byte, counts secusers.StatusCounts) []byte {
	dst = append(dst, '{')
	for i, st := range secusers.AllStatuses() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, st.String()...)
		dst = append(dst, `":`...)
		dst = strconv.AppendInt(dst, counts[st], 10)
	}
	return append(dst, '}')
}
