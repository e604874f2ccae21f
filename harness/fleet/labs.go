package fleet

import (
	"context"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Labs brings several labs up as one (containers and ssh hosts side by
// side), in order; Down takes every one down, newest first, also after a
// failed Up.
func Labs(labs ...harness.Lab) harness.Lab { return &multiLab{labs: labs} }

type multiLab struct {
	labs []harness.Lab
	down harness.Teardown
}

func (m *multiLab) Up(ctx context.Context) ([]harness.Target, error) {
	var all []harness.Target
	for _, l := range m.labs {
		// A lab whose Up failed may have made part of itself: its Down
		// is registered either way.
		m.down.Add(l.Down)
		ts, err := l.Up(ctx)
		all = append(all, ts...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

func (m *multiLab) Down(ctx context.Context) error { return m.down.Down(ctx) }
