// Package rules holds the rules of spec/sync.md as pure functions: which
// statuses a Microsoft Graph user earns from the tenant's reads, and how a
// Graph user becomes a secusers.User. It does no I/O, so every rule and every
// exception is tested alone, and the sync run (which reads Graph and writes
// the store) only wires streams into Facts and results into the store.
//
// Time is always the caller's: "now" is the sync's start, so that one run
// judges every user against the same instant. Days are whole 24-hour days in
// UTC (time.AddDate on UTC values), never local calendar days, so that a
// daylight-saving change on the server cannot move a boundary by an hour.
package rules
