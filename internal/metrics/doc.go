// Package metrics exposes the server's Prometheus metrics with the official
// client library (github.com/prometheus/client_golang): HTTP requests by
// route and status, store calls by method and outcome, the store's
// connection pool, and the Go runtime and process.
//
// Everything is registered on a registry its caller owns (NewRegistry),
// never on the library's global default: servers started side by side in
// one process, as the tests do, then count their own requests only, and
// nothing registers twice.
//
// The metrics, all prefixed secusers_ (besides go_* and process_*):
//
//	http_requests_total{route,code}                 counter
//	http_request_duration_seconds{route,code}       histogram
//	http_requests_in_flight                         gauge
//	store_call_duration_seconds{method,outcome}     histogram
//	store_pool_{max,open,in_use,idle}_connections   gauges (PostgreSQL)
//	store_pool_acquires_total                       counter
//	store_pool_acquire_duration_seconds_total       counter
//	store_pool_{empty,canceled}_acquires_total      counters
//	store_pool_new_connections_total                counter
//
// route is the ServeMux pattern that matched (e.g. "POST /connect/token"),
// or "unmatched"; it is never the request's path, which a client chooses
// and which would make one series per customer, tenant or typo.
package metrics
