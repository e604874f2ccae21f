package knee

import (
	"slices"
	"time"
)

// Baseline is Login VSI 4.1's: the 15 lowest response samples of the whole
// test, minus the 2 lowest (outliers), averaged (13 samples). With fewer
// than 15 samples the outliers dropped shrink in proportion (2 of 15: one
// from 8 samples on, none below), so that a baseline of three samples is
// not its highest one. ok is false without samples.
func Baseline(samples []time.Duration) (time.Duration, bool) {
	if len(samples) == 0 {
		return 0, false
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	s = s[:min(15, len(s))]
	s = s[len(s)*2/15:]
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return sum / time.Duration(len(s)), true
}
