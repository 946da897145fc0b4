package schedule

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestRiverLoggerLowersInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		threshold slog.Level // of the server's logger
		logged    slog.Level // by River
		want      string     // the level written, "" for none
	}{
		{"info at info", slog.LevelInfo, slog.LevelInfo, ""},
		{"info at debug", slog.LevelDebug, slog.LevelInfo, "DEBUG"},
		{"between info and warn", slog.LevelDebug, slog.LevelInfo + 2, "DEBUG"},
		{"debug at debug", slog.LevelDebug, slog.LevelDebug, "DEBUG"},
		{"debug at info", slog.LevelInfo, slog.LevelDebug, ""},
		{"warn at info", slog.LevelInfo, slog.LevelWarn, "WARN"},
		{"error at warn", slog.LevelWarn, slog.LevelError, "ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			server := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.threshold}))
			// Through riverConfig, so that River is given the lowering logger.
			cfg := Config{Logger: server}.withDefaults()
			river := riverConfig(cfg, &planWorker{cfg: cfg}).Logger
			river.With("component", "producer").WithGroup("g").Log(context.Background(), tc.logged, "routine", "n", 1)
			got := buf.String()
			if tc.want == "" {
				if got != "" {
					t.Errorf("got %q, want nothing", got)
				}
				return
			}
			if !strings.Contains(got, "level="+tc.want+" ") || !strings.Contains(got, "component=producer") || !strings.Contains(got, "g.n=1") {
				t.Errorf("got %q, want one line at %s with the logger's attributes", got, tc.want)
			}
		})
	}
}
