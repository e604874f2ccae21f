package fleet

import (
	"context"
	"errors"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Labs brings several labs up as one (containers and ssh hosts side by
// side), in order; Down takes every one down, also after a failed Up.
func Labs(labs ...harness.Lab) harness.Lab { return multiLab(labs) }

type multiLab []harness.Lab

func (m multiLab) Up(ctx context.Context) ([]harness.Target, error) {
	var all []harness.Target
	for _, l := range m {
		ts, err := l.Up(ctx)
		all = append(all, ts...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

func (m multiLab) Down(ctx context.Context) error {
	var errs []error
	for _, l := range m {
		errs = append(errs, l.Down(ctx))
	}
	return errors.Join(errs...)
}
