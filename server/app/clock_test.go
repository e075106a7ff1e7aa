package app

import (
	"context"
	"testing"
	"time"
)

// sharedNow answers the shared clock's time, not the instance's, and
// measures the offset again once sharedNowEvery of real time has passed.
func TestSharedNowFollowsTheSharedClock(t *testing.T) {
	instance := time.Date(2026, 12, 31, 16, 50, 0, 0, time.UTC) // 23:50 in the office
	skew := -20 * time.Minute
	asked := 0
	real := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newSharedNow(func() time.Time { return instance }, func(context.Context) time.Time {
		asked++
		return instance.Add(skew)
	})
	c.since = func() time.Time { return real }
	if got := c.At(context.Background()); !got.Equal(instance.Add(skew)) {
		t.Fatalf("Now = %s, want the shared clock's %s", got, instance.Add(skew))
	}
	instance = instance.Add(time.Second)
	if got := c.At(context.Background()); !got.Equal(instance.Add(skew)) || asked != 1 {
		t.Fatalf("within the interval: Now = %s after %d measurements, want %s after 1", got, asked, instance.Add(skew))
	}
	skew = 5 * time.Minute
	real = real.Add(sharedNowEvery - time.Millisecond)
	if got := c.At(context.Background()); asked != 1 || got.Equal(instance.Add(skew)) {
		t.Fatalf("before the interval ended the offset was measured again (%d)", asked)
	}
	real = real.Add(time.Millisecond)
	if got := c.At(context.Background()); !got.Equal(instance.Add(skew)) || asked != 2 {
		t.Fatalf("after the interval: Now = %s after %d measurements, want %s after 2", got, asked, instance.Add(skew))
	}
}
