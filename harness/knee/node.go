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
	// Scaled: ByCPU is the knee scaled from the envelope's cores. Below:
	// the first level already failed in the envelope, so ByCPU (and
	// Sessions, when CPU limits) is an upper bound: the first level's
	// sessions scaled by cores, which the node holds fewer than.
	Scaled, Below bool
	first         int // the first level's sessions, with Below
	envelopeCores float64
}

func (p Projection) String() string {
	if p.LimitedBy == "" {
		return fmt.Sprintf("a node of %g cores and %g GiB: no projection (the cost per session could not be fitted)", p.Node.Cores, p.Node.MemGiB)
	}
	how := "from the fitted cost per session"
	if p.LimitedBy == "CPU" && p.Below {
		return fmt.Sprintf("a node of %g cores and %g GiB holds fewer than %d sessions of this workload, limited by CPU (the first level, %d sessions, already failed in %g cores)",
			p.Node.Cores, p.Node.MemGiB, p.Sessions, p.first, p.envelopeCores)
	}
	if p.LimitedBy == "CPU" && p.Scaled {
		how = "the knee scaled by cores"
	}
	return fmt.Sprintf("a node of %g cores and %g GiB holds about %d sessions of this workload, limited by %s (%s)",
		p.Node.Cores, p.Node.MemGiB, p.Sessions, p.LimitedBy, how)
}

// Project says how many sessions a node holds. Memory: the node's memory
// after the fitted fixed cost (the intercept: xrdp and sesman with no
// session), divided by the fitted cost per session. CPU: when the knee was
// reached inside a CPU envelope of envelopeCores, the knee scaled by the
// node's cores (responses degrade before the cgroup shows every core busy,
// so the measured cores per session would overstate what fits); otherwise
// the node's cores over the fitted cost per session. A resource whose cost
// does not grow with sessions does not limit.
func Project(r Result, n Node, envelopeCores float64) Projection {
	p := Projection{Node: n, ByCPU: -1, ByMemory: -1}
	per := func(f Fit, total float64) int {
		if !f.Valid() || f.Slope <= 0 {
			return -1
		}
		v := (total - math.Max(f.Intercept, 0)) / f.Slope
		return max(0, int(math.Floor(v+1e-9))) // 315.9999… is 316
	}
	p.ByCPU = per(r.CPU, n.Cores)
	if r.Reached && r.Knee > 0 && envelopeCores > 0 {
		p.ByCPU = int(math.Floor(float64(r.Knee) * n.Cores / envelopeCores))
		p.Scaled = true
	}
	if r.Reached && r.Knee == 0 && envelopeCores > 0 && len(r.Levels) > 0 {
		// The fit would project from levels that were all past the knee.
		p.first, p.envelopeCores = r.Levels[0].Sessions, envelopeCores
		p.ByCPU = int(math.Ceil(float64(p.first) * n.Cores / envelopeCores))
		p.Scaled, p.Below = true, true
	}
	p.ByMemory = per(r.Memory, n.MemGiB*1024)
	switch {
	case p.ByCPU >= 0 && (p.ByMemory < 0 || p.ByCPU <= p.ByMemory):
		p.Sessions, p.LimitedBy = p.ByCPU, "CPU"
	case p.ByMemory >= 0:
		p.Sessions, p.LimitedBy = p.ByMemory, "memory"
	}
	return p
}
