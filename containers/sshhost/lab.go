package sshhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Lab is a harness.Lab of existing hosts: Up connects to each (nothing is
// started: the hosts run already), Down cleans each up and proves it.
type Lab struct {
	Hosts []Config

	down harness.Teardown
}

var _ harness.Lab = (*Lab)(nil)

// Validate reports every problem of every host's settings.
func (l *Lab) Validate() []error {
	var errs []error
	if len(l.Hosts) == 0 {
		errs = append(errs, errors.New("sshhost: lab: no hosts"))
	}
	for i, c := range l.Hosts {
		for _, e := range c.Validate() {
			errs = append(errs, fmt.Errorf("host %d (%s): %w", i, c.name(), e))
		}
	}
	return errs
}

// Up connects to every host, in order. A host that fails stops the lab;
// those connected stay in it for Down.
func (l *Lab) Up(ctx context.Context) ([]harness.Target, error) {
	if errs := l.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var targets []harness.Target
	for _, c := range l.Hosts {
		h, err := Connect(ctx, c)
		if h != nil {
			l.down.Add(h.Close)
		}
		if err != nil {
			return targets, err
		}
		targets = append(targets, h)
	}
	return targets, nil
}

// Down cleans every host up; safe to call twice.
func (l *Lab) Down(ctx context.Context) error { return l.down.Down(ctx) }
