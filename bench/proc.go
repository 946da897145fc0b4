package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// procMem is a process's memory as /proc/PID/status tells it, in bytes.
type procMem struct {
	peak uint64 // VmHWM: the most resident at once over the process's life
	rss  uint64 // VmRSS: resident now, anon + file + shmem
	// anon and file split rss: the heap and stacks, and pages of mapped
	// files (the binary, and an SQLite database mapped with mmap_size).
	anon, file uint64
}

// procMemory returns a process's memory, from /proc.
func procMemory(pid int) (procMem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	return parseStatus(string(b))
}

// parseStatus reads VmHWM, VmRSS, RssAnon and RssFile, which the kernel
// gives in kB (KiB), off the text of /proc/PID/status. VmHWM and VmRSS are
// required; the others came with Linux 4.5.
func parseStatus(text string) (procMem, error) {
	var m procMem
	for line := range strings.Lines(text) {
		name, value, _ := strings.Cut(line, ":")
		var dst *uint64
		switch name {
		case "VmHWM":
			dst = &m.peak
		case "VmRSS":
			dst = &m.rss
		case "RssAnon":
			dst = &m.anon
		case "RssFile":
			dst = &m.file
		default:
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return procMem{}, fmt.Errorf("/proc status: %s is %q, want a number of kB", name, strings.TrimSpace(value))
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return procMem{}, fmt.Errorf("/proc status: %s: %w", name, err)
		}
		*dst = n << 10
	}
	if m.peak == 0 || m.rss == 0 {
		return procMem{}, errors.New("/proc status: no VmHWM or VmRSS (the process has exited)")
	}
	return m, nil
}

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, which is
// 100 on every Linux architecture.
const userHZ = 100

// procCPU returns the CPU time, user and system, a process has used, all
// its threads together; 0 when unknown.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	d, err := parseStat(string(b))
	if err != nil {
		return 0
	}
	return d
}

// parseStat returns utime + stime, fields 14 and 15, of the text of
// /proc/PID/stat. Field 2, the command name, is in parentheses and may
// itself hold spaces and parentheses, so fields are counted from the last
// ")".
func parseStat(text string) (time.Duration, error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	f := strings.Fields(text[i+1:]) // from field 3 on
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the name, want at least 13", len(f))
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / userHZ), nil
}
