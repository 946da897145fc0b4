// Package demo makes realistic demonstration data: a generator of directory
// users (deterministic for a seed, so tests and benchmarks can build the same
// tenant twice) and Ensure, which gives a store a ready-to-query demo
// partner, customer, tenant and app. `secusers serve --demo` uses it so that
// a first-time user gets a working token and a non-empty response within a
// minute of downloading the binary.
package demo
