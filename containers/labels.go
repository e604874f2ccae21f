package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// Labels on every container and network the harness makes. Owner is
// "hostname:pid" of the harness process, so a later run can tell leftovers
// of a dead run from the live containers of a concurrent one.
const (
	LabelHarness = "io.xrdp-harness"
	LabelOwner   = "io.xrdp-harness.owner"
	LabelRun     = "io.xrdp-harness.run"
	LabelVersion = "io.xrdp-harness.xrdp-version"
	// LabelLease is when the owner's claim ends (Unix seconds): after it a
	// container is a leftover whoever owns it, so the leftovers of a CI job
	// killed on another host are swept too. Labels cannot change after
	// creation, so the lease is a deadline, not a heartbeat: long enough for
	// the longest run (DefaultLease).
	LabelLease = "io.xrdp-harness.lease"
)

// DefaultLease bounds how long a labelled container may live: a scenario's
// load is bounded by 24h (scenarios.maxSpan) but a default run takes
// minutes; a run that needs longer passes WithLease.
const DefaultLease = 6 * time.Hour

// ownerLabels are the labels of everything this process makes.
func ownerLabels(lease time.Duration) map[string]string {
	if lease <= 0 {
		lease = DefaultLease
	}
	return map[string]string{LabelHarness: "true", LabelOwner: OwnerLabel(),
		LabelLease: strconv.FormatInt(time.Now().Add(lease).Unix(), 10)}
}

// OwnerLabel is this process's owner label value.
func OwnerLabel() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// ownerAlive reports whether the owner of an object with these labels may
// still be running: not when its lease has expired (any host), nor when it
// is on this host and its process is gone. An owner on another host without
// a lease (made before leases) cannot be checked and counts as alive.
func ownerAlive(labels map[string]string, now time.Time) bool {
	if l, ok := labels[LabelLease]; ok {
		until, err := strconv.ParseInt(l, 10, 64)
		if err != nil || now.Unix() > until {
			return false
		}
	}
	return processAlive(labels[LabelOwner])
}

func processAlive(owner string) bool {
	host, pidText, ok := strings.Cut(owner, ":")
	if !ok {
		return false
	}
	if me, _ := os.Hostname(); host != me {
		return true
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Swept is what a sweep removed.
type Swept struct {
	Containers []string
	Networks   []string
	// Failed names what was found dead but could not be removed (the
	// error says why).
	Failed []string
}

// Sweep removes the harness's containers and networks whose owner process is
// gone (a crashed or killed run). With all set it removes every labelled one,
// live owner or not (the `clean` command).
func Sweep(ctx context.Context, all bool) (Swept, error) {
	docker, err := newDockerClient()
	if err != nil {
		return Swept{}, err
	}
	defer docker.Close()
	var out Swept
	filters := client.Filters{}.Add("label", LabelHarness+"=true")
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return out, fmt.Errorf("containers: sweep: list containers: %w", err)
	}
	var errs []error
	now := time.Now()
	for _, c := range list.Items {
		if !all && ownerAlive(c.Labels, now) {
			continue
		}
		if _, err := docker.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", c.ID, err))
			out.Failed = append(out.Failed, "container "+c.ID[:min(12, len(c.ID))])
			continue
		}
		out.Containers = append(out.Containers, c.ID)
	}
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return out, fmt.Errorf("containers: sweep: list networks: %w", err)
	}
	for _, n := range nets.Items {
		if !all && ownerAlive(n.Labels, now) {
			continue
		}
		if _, err := docker.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			out.Failed = append(out.Failed, "network "+n.Name)
			continue
		}
		out.Networks = append(out.Networks, n.Name)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("containers: sweep: %w", errors.Join(errs...))
	}
	return out, nil
}

// Leftovers lists labelled containers of one owner (all owners when owner
// is ""); tests use it to prove that nothing stays behind.
func Leftovers(ctx context.Context, owner string) ([]string, error) {
	docker, err := newDockerClient()
	if err != nil {
		return nil, err
	}
	defer docker.Close()
	filters := client.Filters{}.Add("label", LabelHarness+"=true")
	if owner != "" {
		filters = filters.Add("label", LabelOwner+"="+owner)
	}
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("containers: list leftovers: %w", err)
	}
	var names []string
	for _, c := range list.Items {
		names = append(names, strings.TrimPrefix(strings.Join(c.Names, ","), "/")+" ("+c.Labels[LabelOwner]+")")
	}
	return names, nil
}
