package sshhost

import (
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// hostSettings is what the harness reads from the host's own xrdp.ini and
// sesman.ini.
type hostSettings struct {
	rdp        string // remote host:port of xrdp's TCP listener
	sesman     string // remote host:port of sesman's SCP v0 listener; "" on 0.10
	xrdpLog    string
	sesmanLog  string
	policy     string
	maxSess    int
	dispOffset int
	reconnect  string // sesman's ReconnectScript
}

// readSettings reads both files; version decides whether sesman has a TCP
// port (0.9.x) or only a UNIX socket (0.10 and later).
func readSettings(xrdpIni, sesmanIni []byte, version string) (hostSettings, error) {
	var s hostSettings
	port, _ := ini.Get(xrdpIni, "Globals", "port")
	rdp, err := rdpListener(port)
	if err != nil {
		return s, err
	}
	s.rdp = rdp
	s.xrdpLog = logPath(xrdpIni, "xrdp.log")
	s.sesmanLog = logPath(sesmanIni, "xrdp-sesman.log")
	if containers.FeaturesOf(version).SCPTCP {
		// 0.9.x sesman.c: ListenAddress (default 127.0.0.1) and ListenPort
		// (default 3350) in [Globals] (sesman/config.c at v0.9.21.1).
		addr, _ := ini.Get(sesmanIni, "Globals", "ListenAddress")
		p, _ := ini.Get(sesmanIni, "Globals", "ListenPort")
		if p == "" {
			p = "3350"
		}
		if _, err := strconv.Atoi(p); err != nil {
			return s, fmt.Errorf("sesman.ini [Globals] ListenPort %q: not a TCP port", p)
		}
		s.sesman = net.JoinHostPort(loopbackFor(addr), p)
	}
	s.policy, _ = ini.Get(sesmanIni, "Sessions", "Policy")
	if s.policy == "" {
		s.policy = "Default"
	}
	s.maxSess = intSetting(sesmanIni, "Sessions", "MaxSessions", 50)
	s.dispOffset = intSetting(sesmanIni, "Sessions", "X11DisplayOffset", 10)
	s.reconnect, _ = ini.Get(sesmanIni, "Globals", "ReconnectScript")
	return s, nil
}

func intSetting(src []byte, sect, key string, def int) int {
	v, ok := ini.Get(src, sect, key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

// logPath is [Logging] LogFile: a relative name is under /var/log, as
// common/log.c's config reader prefixes XRDP_LOG_PATH (v0.9.21.1 and
// v0.10.1; Debian's packages set it to /var/log).
func logPath(src []byte, def string) string {
	f, _ := ini.Get(src, "Logging", "LogFile")
	if f == "" {
		f = def
	}
	if !strings.HasPrefix(f, "/") {
		f = path.Join("/var/log", f)
	}
	return f
}

// rdpListener turns xrdp.ini's port setting into the address the harness
// dials on the host through SSH. The forms are those of xrdp/xrdp_listen.c
// (v0.9.21.1, v0.10.1): "3389", ":3389", "tcp://:3389", "tcp://ADDR:3389",
// "tcp6://[ADDR]:3389", and in 0.10 several of them separated by spaces;
// the first TCP one is used. Wildcard addresses are dialled on loopback.
func rdpListener(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "127.0.0.1:3389", nil
	}
	for _, f := range strings.Fields(v) {
		switch {
		case strings.HasPrefix(f, "vsock://"), strings.HasPrefix(f, "unix://"), strings.HasPrefix(f, "/"):
			continue
		case strings.HasPrefix(f, "tcp://"), strings.HasPrefix(f, "tcp6://"):
			_, f, _ = strings.Cut(f, "://")
		}
		host, port := "", f
		if strings.Contains(f, ":") {
			h, p, err := net.SplitHostPort(f)
			if err != nil {
				return "", fmt.Errorf("xrdp.ini [Globals] port %q: %w", v, err)
			}
			host, port = h, p
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "", fmt.Errorf("xrdp.ini [Globals] port %q: %q is not a TCP port", v, port)
		}
		return net.JoinHostPort(loopbackFor(host), port), nil
	}
	return "", fmt.Errorf("xrdp.ini [Globals] port %q: no TCP listener (vsock and UNIX sockets cannot be forwarded)", v)
}

func loopbackFor(host string) string {
	switch host {
	case "", "0.0.0.0", "*":
		return "127.0.0.1"
	case "::", "::0":
		return "::1"
	}
	return host
}
