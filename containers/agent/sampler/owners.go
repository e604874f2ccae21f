package sampler

import (
	"strconv"
	"syscall"
)

// socketOwners finds which process holds each socket inode in want (value
// 0 = not found yet) by reading the /proc/PID/fd links of pids in order,
// stopping once all are found. It is expensive (one readlink per open fd)
// and only runs when a listener appears.
func (p *procfs) socketOwners(pids []int, want map[uint64]int) {
	missing := 0
	for _, v := range want {
		if v == 0 {
			missing++
		}
	}
	link := make([]byte, 64)
	var fds []int
	for _, pid := range pids {
		if missing == 0 {
			return
		}
		dir := p.root + "/" + strconv.Itoa(pid) + "/fd/"
		fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			continue // gone, a zombie, or not ours to read
		}
		fds = fds[:0]
		for {
			n, err := syscall.Getdents(fd, p.dirbuf)
			if err != nil || n <= 0 {
				break
			}
			fds = parseDirents(p.dirbuf[:n], fds, 0)
		}
		syscall.Close(fd)
		for _, num := range fds {
			n, err := syscall.Readlink(dir+strconv.Itoa(num), link)
			if err != nil {
				continue
			}
			ino, ok := socketInode(link[:n])
			if !ok {
				continue
			}
			if v, asked := want[ino]; asked && v == 0 {
				want[ino] = pid
				if missing--; missing == 0 {
					return
				}
			}
		}
	}
}

// socketInode parses "socket:[12345]".
func socketInode(b []byte) (uint64, bool) {
	const prefix = "socket:["
	if len(b) < len(prefix)+2 || string(b[:len(prefix)]) != prefix || b[len(b)-1] != ']' {
		return 0, false
	}
	v, ok := atoi(b[len(prefix) : len(b)-1])
	return uint64(v), ok
}
