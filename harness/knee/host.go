package knee

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// HostNode is this machine: its CPUs and MemTotal from /proc/meminfo.
func HostNode() Node {
	n := Node{Cores: float64(runtime.NumCPU())}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				n.MemGiB = float64(int(kb/(1<<20)*10+0.5)) / 10
			}
		}
		f.Close()
	}
	n.Name = fmt.Sprintf("%gc%gg (this host)", n.Cores, n.MemGiB)
	return n
}

// DefaultNodes are the projections made when none are asked for: this host
// and a 16-core, 64 GiB node.
func DefaultNodes() []Node {
	return []Node{HostNode(), {Name: "16c64g", Cores: 16, MemGiB: 64}}
}
