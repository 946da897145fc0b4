package cli

import (
	"errors"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

func TestErrorLineIsOneSafeLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want string
	}{
		{secusers.Errorf(secusers.NotFound, "no app with id x"), "no app with id x"},
		{secusers.Wrap(secusers.Invalid, errors.New("cause"), "bad\nflag"), "bad flag"},
		{errors.New("server said \x1b[31mred\x1b[0m and \u202eevil"), "server said  [31mred [0m and \uFFFDevil"},
	} {
		if got := errorLine(tt.err); got != tt.want {
			t.Errorf("errorLine(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
