package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/moby/moby/client"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Lab is a harness.Lab of xrdp containers: one per Node, started in order.
type Lab struct {
	Nodes []Node
	// Options apply to every node (before the node's own).
	Options []Option

	// SharedNetwork leaves the containers on Docker's default bridge (as
	// before labs had their own network); the zero value gives each lab a
	// network of its own.
	SharedNetwork bool

	mu      sync.Mutex
	servers []*Server
	down    harness.Teardown // what Up made, for Down
}

// Node is one server of a lab.
type Node struct {
	Version string // an ImageSpec string
	Options []Option
}

var _ harness.Lab = (*Lab)(nil)

// Up boots every node. On error the servers that did start stay in the lab
// so that Down removes them.
func (l *Lab) Up(ctx context.Context) ([]harness.Target, error) {
	if len(l.Nodes) == 0 {
		return nil, errors.New("containers: lab up: no nodes")
	}
	var targets []harness.Target
	// One random password for the whole run, so a client that a balancer
	// or a spread sends to any node logs in there (a given WithPassword,
	// later in the options, still wins).
	labOpts := []Option{WithPassword(randomPassword())}
	if !l.SharedNetwork {
		name, err := createLabNetwork(ctx)
		if err != nil {
			return nil, fmt.Errorf("containers: lab up: %w", err)
		}
		l.down.Add(func(ctx context.Context) error { return removeLabNetwork(ctx, name) })
		labOpts = append(labOpts, WithNetworks(name))
	}
	for i, n := range l.Nodes {
		opts := append(append(labOpts, l.Options...), n.Options...)
		srv, err := Run(ctx, n.Version, opts...)
		if srv != nil {
			l.mu.Lock()
			l.servers = append(l.servers, srv)
			l.mu.Unlock()
			l.down.Add(srv.Terminate)
		}
		if err != nil {
			return targets, fmt.Errorf("containers: lab up: node %d (%s): %w", i, n.Version, err)
		}
		targets = append(targets, srv)
	}
	return targets, nil
}

// Down removes every server Up started, then the lab's network; safe to
// call twice.
func (l *Lab) Down(ctx context.Context) error {
	l.mu.Lock()
	l.servers = nil
	l.mu.Unlock()
	return l.down.Down(ctx)
}

// Servers are the lab's running servers.
func (l *Lab) Servers() []*Server {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Server(nil), l.servers...)
}

// createLabNetwork makes the lab's own bridge network: no other run's
// containers (and nothing on Docker's default bridge) can reach its xrdp,
// sesman or SCP relay. IP masquerading is off, so its containers cannot
// open connections to the outside world either (images are built before;
// nothing at run time needs the mirror), while the ports published on the
// host's 127.0.0.1 still reach them through Docker's proxy. Not --internal:
// Docker publishes no port of a container on an internal network
// (moby/moby#36174, still open), and every lab needs its published ports.
func createLabNetwork(ctx context.Context) (string, error) {
	docker, err := newDockerClient()
	if err != nil {
		return "", err
	}
	defer docker.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "xrdp-harness-" + hex.EncodeToString(b)
	_, err = docker.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver:  "bridge",
		Labels:  ownerLabels(0),
		Options: map[string]string{"com.docker.network.bridge.enable_ip_masquerade": "false"},
	})
	if err != nil {
		return "", fmt.Errorf("create network %s: %w", name, err)
	}
	return name, nil
}

func removeLabNetwork(ctx context.Context, name string) error {
	docker, err := newDockerClient()
	if err != nil {
		return err
	}
	defer docker.Close()
	if _, err := docker.NetworkRemove(ctx, name, client.NetworkRemoveOptions{}); err != nil {
		return fmt.Errorf("containers: remove network %s: %w", name, err)
	}
	return nil
}
