package sampler

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"syscall"
)

// listener is one TCP socket in LISTEN state.
type listener struct {
	inode uint64
	addr  [16]byte
	v6    bool
	port  uint16
}

func (l listener) addrString() string {
	if l.v6 {
		return netip.AddrFrom16(l.addr).String()
	}
	return netip.AddrFrom4([4]byte(l.addr[:4])).String()
}

func compareListener(a, b listener) int {
	switch {
	case a.inode != b.inode:
		if a.inode < b.inode {
			return -1
		}
		return 1
	case a.port != b.port:
		return int(a.port) - int(b.port)
	case a.v6 != b.v6:
		if a.v6 {
			return 1
		}
		return -1
	}
	return bytes.Compare(a.addr[:], b.addr[:])
}

// socketSource lists listening TCP sockets of the network namespace.
type socketSource interface {
	listeners(dst []listener) ([]listener, error)
	name() string
	close()
}

// --- NETLINK_SOCK_DIAG ---

const (
	netlinkSockDiag   = 4  // NETLINK_SOCK_DIAG
	sockDiagByFamily  = 20 // SOCK_DIAG_BY_FAMILY
	tcpListen         = 10 // TCP_LISTEN
	inetDiagReqV2Len  = 56 // struct inet_diag_req_v2
	inetDiagMsgMinLen = 72 // struct inet_diag_msg
)

// netlinkSockets dumps LISTEN sockets with inet_diag, like `ss -tln`. With
// only the LISTEN state requested the kernel skips the established hash.
type netlinkSockets struct {
	fd  int
	req [2][16 + inetDiagReqV2Len]byte
	buf []byte
	seq uint32
	sa  *syscall.SockaddrNetlink // the kernel; kept to avoid an allocation per send
}

func openNetlinkSockets() (*netlinkSockets, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkSockDiag)
	if err != nil {
		return nil, fmt.Errorf("sampler: open sock_diag netlink socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("sampler: bind sock_diag netlink socket: %w", err)
	}
	n := &netlinkSockets{fd: fd, buf: make([]byte, 64<<10), sa: &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}}
	for i, fam := range []byte{syscall.AF_INET, syscall.AF_INET6} {
		r := n.req[i][:]
		binary.NativeEndian.PutUint32(r[0:], uint32(len(r)))
		binary.NativeEndian.PutUint16(r[4:], sockDiagByFamily)
		binary.NativeEndian.PutUint16(r[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP)
		r[16] = fam
		r[17] = syscall.IPPROTO_TCP
		binary.NativeEndian.PutUint32(r[20:], 1<<tcpListen)
	}
	// Probe once so a kernel without inet_diag is found at start.
	if _, err := n.listeners(nil); err != nil {
		n.close()
		return nil, err
	}
	return n, nil
}

func (n *netlinkSockets) name() string { return "netlink" }
func (n *netlinkSockets) close()       { syscall.Close(n.fd) }

func (n *netlinkSockets) listeners(dst []listener) ([]listener, error) {
	for i := range n.req {
		n.seq++
		binary.NativeEndian.PutUint32(n.req[i][8:], n.seq)
		var err error
		if dst, err = n.dump(n.req[i][:], dst); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (n *netlinkSockets) dump(req []byte, dst []listener) ([]listener, error) {
	if err := syscall.Sendto(n.fd, req, 0, n.sa); err != nil {
		return dst, fmt.Errorf("sampler: send sock_diag request: %w", err)
	}
	for {
		size, err := syscall.Read(n.fd, n.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return dst, fmt.Errorf("sampler: receive sock_diag reply: %w", err)
		}
		b := n.buf[:size]
		for len(b) >= 16 {
			mlen := int(binary.NativeEndian.Uint32(b[0:4]))
			typ := binary.NativeEndian.Uint16(b[4:6])
			seq := binary.NativeEndian.Uint32(b[8:12])
			if mlen < 16 || mlen > len(b) {
				return dst, fmt.Errorf("sampler: sock_diag message of %d bytes in a %d-byte reply", mlen, len(b))
			}
			msg := b[16:mlen]
			if aligned := (mlen + 3) &^ 3; aligned <= len(b) {
				b = b[aligned:]
			} else {
				b = b[mlen:]
			}
			if seq != n.seq {
				continue // a late reply to an earlier request
			}
			switch typ {
			case syscall.NLMSG_DONE:
				return dst, nil
			case syscall.NLMSG_ERROR:
				if len(msg) >= 4 {
					if code := int32(binary.NativeEndian.Uint32(msg[0:4])); code != 0 {
						return dst, fmt.Errorf("sampler: sock_diag dump: %w", syscall.Errno(-code))
					}
				}
				return dst, nil
			case sockDiagByFamily:
				if len(msg) < inetDiagMsgMinLen || msg[1] != tcpListen {
					continue
				}
				// inet_diag_msg: family, state, timer, retrans, then
				// inet_diag_sockid (sport be16, dport be16, src [16],
				// dst [16], if u32, cookie [8]), expires, rqueue, wqueue,
				// uid, inode (u32 each).
				l := listener{
					v6:    msg[0] == syscall.AF_INET6,
					port:  binary.BigEndian.Uint16(msg[4:6]),
					inode: uint64(binary.NativeEndian.Uint32(msg[68:72])),
				}
				copy(l.addr[:], msg[8:24])
				if !l.v6 {
					clear(l.addr[4:])
				}
				dst = append(dst, l)
			}
		}
	}
}

// --- /proc/net/tcp{,6} ---

// procNetSockets parses /proc/net/tcp and tcp6 (state 0A = LISTEN).
type procNetSockets struct {
	root string
	buf  []byte
}

func (p *procNetSockets) name() string { return "procfs" }
func (p *procNetSockets) close()       {}

func (p *procNetSockets) listeners(dst []listener) ([]listener, error) {
	for _, f := range []struct {
		file string
		v6   bool
	}{{"/net/tcp", false}, {"/net/tcp6", true}} {
		b, err := readWhole(p.root+f.file, &p.buf)
		if err != nil {
			if f.v6 && err == syscall.ENOENT { // no IPv6 in this kernel
				continue
			}
			return dst, fmt.Errorf("sampler: read %s%s: %w", p.root, f.file, err)
		}
		if dst, err = parseProcNet(b, f.v6, dst); err != nil {
			return dst, fmt.Errorf("sampler: parse %s%s: %w", p.root, f.file, err)
		}
	}
	return dst, nil
}

// parseProcNet reads lines like
// "0: 0100007F:0CDA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...":
// sl, local address (hex of the address in kernel (little-endian) word
// order, port), remote, state, queues, timer, retransmits, uid, timeout,
// inode.
func parseProcNet(b []byte, v6 bool, dst []listener) ([]listener, error) {
	first := true
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if first { // header
			first = false
			continue
		}
		f := fieldsN(line, 10)
		if len(f) < 10 {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			return dst, fmt.Errorf("line %q has %d fields, want 10+", line, len(f))
		}
		if string(f[3]) != "0A" {
			continue
		}
		addr, port, ok := bytes.Cut(f[1], []byte(":"))
		want := 8
		if v6 {
			want = 32
		}
		if !ok || len(addr) != want || len(port) != 4 {
			return dst, fmt.Errorf("bad local address %q", f[1])
		}
		var l listener
		l.v6 = v6
		var raw [16]byte
		if _, err := hex.Decode(raw[:len(addr)/2], addr); err != nil {
			return dst, fmt.Errorf("bad local address %q", f[1])
		}
		// Each 32-bit word is printed in host (little-endian) order.
		for w := 0; w < len(addr)/8; w++ {
			for i := 0; i < 4; i++ {
				l.addr[w*4+i] = raw[w*4+3-i]
			}
		}
		pv, err := strconv.ParseUint(string(port), 16, 16)
		if err != nil {
			return dst, fmt.Errorf("bad port in %q", f[1])
		}
		l.port = uint16(pv)
		ino, err := strconv.ParseUint(string(f[9]), 10, 64)
		if err != nil {
			return dst, fmt.Errorf("bad inode %q", f[9])
		}
		l.inode = ino
		dst = append(dst, l)
	}
	return dst, nil
}

// fieldsN splits on spaces into at most n fields (the rest is dropped).
func fieldsN(b []byte, n int) [][]byte {
	var out [][]byte
	for len(out) < n {
		b = bytes.TrimLeft(b, " ")
		if len(b) == 0 {
			break
		}
		i := bytes.IndexByte(b, ' ')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i])
		b = b[i:]
	}
	return out
}

// readWhole reads a file of unknown size into *buf, growing it as needed.
func readWhole(path string, buf *[]byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	if *buf == nil {
		*buf = make([]byte, 16<<10)
	}
	total := 0
	for {
		if total == len(*buf) {
			*buf = slices.Grow(*buf, len(*buf))[:2*len(*buf)]
		}
		n, err := syscall.Read(fd, (*buf)[total:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return (*buf)[:total], nil
		}
		total += n
	}
}
