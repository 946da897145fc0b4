//go:build !linux

package main

import "os/exec"

// dieWithHarness does nothing here: only Linux has a parent-death signal.
func dieWithHarness(*exec.Cmd) {}
