package knee

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
)

// Node is a machine size to project onto.
type Node struct {
	Name   string
	Cores  float64
	MemGiB float64
}

var nodeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)c([0-9]+(?:\.[0-9]+)?)g$`)

// ParseNode reads "8c32g": 8 cores, 32 GiB.
func ParseNode(s string) (Node, error) {
	m := nodeRE.FindStringSubmatch(s)
	if m == nil {
		return Node{}, fmt.Errorf("node %q: want CORESc MEMORYg, e.g. 8c32g for 8 cores and 32 GiB", s)
	}
	c, _ := strconv.ParseFloat(m[1], 64)
	g, _ := strconv.ParseFloat(m[2], 64)
	if c <= 0 || g <= 0 {
		return Node{}, fmt.Errorf("node %q: cores and memory must be above 0, e.g. 8c32g", s)
	}
	return Node{Name: s, Cores: c, MemGiB: g}, nil
}

// Projection is how many sessions of the measured workload a node holds.
type Projection struct {
	Node     Node
	Sessions int
	// LimitedBy is "CPU" or "memory"; "" when neither fit has a slope.
	LimitedBy string
	// ByCPU and ByMemory are each resource's own limit (-1: unknown).
	ByCPU, ByMemory int
}

func (p Projection) String() string {
	if p.LimitedBy == "" {
		return fmt.Sprintf("a node of %g cores and %g GiB: no projection (the cost per session could not be fitted)", p.Node.Cores, p.Node.MemGiB)
	}
	return fmt.Sprintf("a node of %g cores and %g GiB holds about %d sessions of this workload, limited by %s",
		p.Node.Cores, p.Node.MemGiB, p.Sessions, p.LimitedBy)
}

// Project divides a node's cores and memory by the fitted cost per session,
// after the fitted fixed cost (the intercept: xrdp and sesman with no
// session). A resource whose cost does not grow with sessions does not
// limit.
func Project(r Result, n Node) Projection {
	p := Projection{Node: n, ByCPU: -1, ByMemory: -1}
	per := func(f Fit, total float64) int {
		if !f.Valid() || f.Slope <= 0 {
			return -1
		}
		v := (total - math.Max(f.Intercept, 0)) / f.Slope
		return max(0, int(math.Floor(v)))
	}
	p.ByCPU = per(r.CPU, n.Cores)
	p.ByMemory = per(r.Memory, n.MemGiB*1024)
	switch {
	case p.ByCPU >= 0 && (p.ByMemory < 0 || p.ByCPU <= p.ByMemory):
		p.Sessions, p.LimitedBy = p.ByCPU, "CPU"
	case p.ByMemory >= 0:
		p.Sessions, p.LimitedBy = p.ByMemory, "memory"
	}
	return p
}
