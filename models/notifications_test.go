package models

import (
	"testing"
	"time"
)

func TestDeliveryBackoffDoublesToAnHour(t *testing.T) {
	want := []time.Duration{0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60}
	for attempts, w := range want {
		if got := DeliveryBackoff(attempts); got != w*time.Minute {
			t.Errorf("DeliveryBackoff(%d) = %v; want %v", attempts, got, w*time.Minute)
		}
	}
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"Hello", 0, "Hello"},
		{"  Hi\r\nBcc: x@y.example\r\n\r\nbody ", 0, "Hi Bcc: x@y.example body"},
		{"tab\there\u2028sep\x00nul", 0, "tab here sep nul"},
		{"ünïcödé subject", 5, "ünïc…"},
	} {
		if got := OneLine(tc.in, tc.max); got != tc.want {
			t.Errorf("OneLine(%q, %d) = %q; want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
