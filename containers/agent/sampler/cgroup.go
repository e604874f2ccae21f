package sampler

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The cgroup signal: the kernel takes an exiting task out of its cgroup
// before it becomes a zombie (that is why zombies are missing from docker
// top). So one read of the target's cgroup.procs lists every live
// process, and a pid that /proc still lists but cgroup.procs does not is a
// zombie (or about to be one). Comparing the two costs two reads per
// sample whatever the number of processes; only the candidates' stat
// files need reading to confirm.

// findCgroupProcs returns the cgroup.procs file of the cgroup this process
// is in, or "" when none can be found: v2 with a cgroup namespace
// (/sys/fs/cgroup/cgroup.procs), v2 without, or v1 (the pids, memory or
// cpu hierarchy, mounted at its own root inside a container). A candidate
// counts only if it lists this process.
func findCgroupProcs(root string) string {
	self := os.Getpid()
	var cands []string
	b, _ := os.ReadFile(root + "/self/cgroup")
	add := func(dir, path string) {
		cands = append(cands, "/sys/fs/cgroup"+dir+"/cgroup.procs")
		if path != "/" && path != "" {
			cands = append(cands, "/sys/fs/cgroup"+dir+path+"/cgroup.procs")
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		// "0::/path" (v2) or "8:pids:/path" (v1)
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[1] == "":
			add("", parts[2])
		case slices.Contains(strings.Split(parts[1], ","), "pids"):
			add("/pids", parts[2])
		}
	}
	add("", "/")
	var buf []byte
	var live []int
	for _, c := range cands {
		var err error
		if live, err = readPIDList(c, &buf, live[:0]); err == nil {
			if _, found := slices.BinarySearch(live, self); found {
				return c
			}
		}
	}
	return ""
}

// readPIDList reads a file of one pid per line into dst, sorted. The file
// is opened anew each time: a v1 cgroup.procs file keeps serving the pid
// list it built at its first read for as long as it stays open.
func readPIDList(path string, buf *[]byte, dst []int) ([]int, error) {
	b, err := readWhole(path, buf)
	if err != nil {
		return dst, err
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) == 0 {
			continue
		}
		v, ok := atoi(line)
		if !ok {
			return dst, &os.PathError{Op: "parse", Path: path, Err: strconv.ErrSyntax}
		}
		dst = append(dst, v)
	}
	slices.Sort(dst)
	return dst, nil
}
