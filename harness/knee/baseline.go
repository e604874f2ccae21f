package knee

import (
	"slices"
	"time"
)

// Baseline is Login VSI 4.1's: the 15 lowest response samples of the whole
// test, minus the 2 lowest, averaged (13 samples). With fewer samples it
// takes what there is: the lowest 2 are still dropped while at least one
// sample remains. ok is false without samples.
func Baseline(samples []time.Duration) (time.Duration, bool) {
	if len(samples) == 0 {
		return 0, false
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	s = s[:min(15, len(s))]
	s = s[min(2, len(s)-1):]
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return sum / time.Duration(len(s)), true
}
