package harness

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestTeardown(t *testing.T) {
	var td Teardown
	var order []int
	for i := range 3 {
		td.Add(func(context.Context) error {
			order = append(order, i)
			if i == 1 {
				return errors.New("remove network: busy")
			}
			return nil
		})
	}
	if err := td.Down(t.Context()); err == nil || err.Error() != "remove network: busy" {
		t.Errorf("Down: %v", err)
	}
	if !slices.Equal(order, []int{2, 1, 0}) {
		t.Errorf("undone in order %v, want newest first", order)
	}
	if err := td.Down(t.Context()); err != nil || len(order) != 3 {
		t.Errorf("second Down: %v, order %v", err, order)
	}
}
