package server

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/secusers"
)

// errQueryTooLong is the 400 of a query string over maxQueryBytes. The spec
// answers a bad query with 400 and a message naming the problem (§4).
var errQueryTooLong = secusers.Errorf(secusers.Invalid,
	"the query string is longer than the %s bytes this server accepts", strconv.Itoa(maxQueryBytes))

// limitQuery refuses requests whose query string exceeds maxQueryBytes
// before any handler parses it.
func limitQuery(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > maxQueryBytes {
			api.WriteError(w, r, logger, errQueryTooLong)
			return
		}
		next.ServeHTTP(w, r)
	})
}
