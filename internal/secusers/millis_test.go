package secusers

import (
	"testing"
	"time"
)

func TestMillis(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 1_500_000, time.FixedZone("CET", 3600))
	if got, want := StoredTime(at), time.Date(2026, 1, 2, 2, 4, 5, 1_000_000, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("StoredTime: got %v, want %v in UTC", got, want)
	}
	if got := CeilMillis(at); got != at.UnixMilli()+1 {
		t.Errorf("CeilMillis of a time within a millisecond: got %d, want %d", got, at.UnixMilli()+1)
	}
	whole := StoredTime(at)
	if got := CeilMillis(whole); got != whole.UnixMilli() {
		t.Errorf("CeilMillis of a whole millisecond: got %d, want %d", got, whole.UnixMilli())
	}
	if OptionalMillis(time.Time{}) != 0 || !FromOptionalMillis(0).IsZero() {
		t.Error("an unset time: want it stored as 0 and read back as zero")
	}
	if got := FromOptionalMillis(OptionalMillis(whole)); !got.Equal(whole) {
		t.Errorf("a set time: got %v back, want %v", got, whole)
	}
}
