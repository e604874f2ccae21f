package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// RemoveOwn force-removes every container and network labelled with this
// process's owner: the last resort of a forced exit (a second Ctrl-C),
// when the run's own teardown is cut short.
func RemoveOwn(ctx context.Context) (Swept, error) {
	docker, err := newDockerClient()
	if err != nil {
		return Swept{}, err
	}
	defer docker.Close()
	filters := client.Filters{}.Add("label", LabelHarness+"=true").Add("label", LabelOwner+"="+OwnerLabel())
	var out Swept
	var errs []error
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return out, fmt.Errorf("containers: remove own: list containers: %w", err)
	}
	for _, c := range list.Items {
		if _, err := docker.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", c.ID, err))
			continue
		}
		out.Containers = append(out.Containers, c.ID)
	}
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return out, fmt.Errorf("containers: remove own: list networks: %w", err)
	}
	for _, n := range nets.Items {
		if _, err := docker.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("containers: remove own: %w", errors.Join(errs...))
	}
	return out, nil
}
