package fault_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/containertest"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestFault(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fault")
}

var builder *containers.Builder

// version is the xrdp the docker specs run: 0.9.21.1, whose behaviour the
// specs assert, unless XRDP_FAULT_VERSION names another (to see where a
// version differs).
var version = cmp.Or(os.Getenv("XRDP_FAULT_VERSION"), "0.9.21.1")

var _ = containertest.Setup(&builder)

// run starts an xrdp container for one spec and removes it after.
func run(ctx context.Context, opts ...containers.Option) *containers.Server {
	GinkgoHelper()
	srv, err := containers.Run(ctx, version, append([]containers.Option{containers.WithBuilder(builder)}, opts...)...)
	DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
	Expect(err).NotTo(HaveOccurred())
	return srv
}

// requestSession asks sesman for user i's session over SCP v0.
func requestSession(ctx context.Context, srv *containers.Server, i int) scp.Reply {
	GinkgoHelper()
	u := srv.Users()[i-1]
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	r, err := scp.RequestSession(rctx, srv.SesmanAddr(), scp.SessionRequest{Username: u.Name, Password: u.Password})
	Expect(err).NotTo(HaveOccurred())
	return r
}

// rdpLogin logs user i in with the RDP client at addr (the server's or a
// proxy's) and closes the connection; bpp 24 matches the SCP sessions.
func rdpLogin(ctx context.Context, addr string, u harness.User, timeout time.Duration) fakeclient.Result {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, res := fakeclient.Dial(dctx, fakeclient.Config{Addr: addr, User: u.Name, Password: u.Password, BPP: 24})
	if c != nil {
		_ = c.Close(ctx, fakeclient.Abrupt)
	}
	return res
}

type psLine struct {
	PID, PPID   int
	State, Comm string
	Args        string
}

// ps reads the container's process table.
func ps(ctx context.Context, srv *containers.Server) []psLine {
	GinkgoHelper()
	code, out, err := srv.Exec(ctx, "ps", "-eo", "pid=,ppid=,stat=,comm=,args=")
	Expect(err).NotTo(HaveOccurred())
	Expect(code).To(BeZero(), out)
	var ls []psLine
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		pid, _ := strconv.Atoi(f[0])
		ppid, _ := strconv.Atoi(f[1])
		ls = append(ls, psLine{PID: pid, PPID: ppid, State: f[2], Comm: f[3], Args: strings.Join(f[4:], " ")})
	}
	return ls
}

func findProc(ls []psLine, pid int) (psLine, bool) {
	for _, l := range ls {
		if l.PID == pid {
			return l, true
		}
	}
	return psLine{}, false
}

// liveXvnc maps display → pid of every Xvnc that is not a zombie.
func liveXvnc(ctx context.Context, srv *containers.Server) map[int]int {
	GinkgoHelper()
	m := map[int]int{}
	for _, l := range ps(ctx, srv) {
		if l.Comm == "Xvnc" && !strings.HasPrefix(l.State, "Z") {
			if d := regexp.MustCompile(`:(\d+) `).FindStringSubmatch(l.Args + " "); d != nil {
				n, _ := strconv.Atoi(d[1])
				m[n] = l.PID
			}
		}
	}
	return m
}

// zombiesUnder lists zombie children of ppid.
func zombiesUnder(ctx context.Context, srv *containers.Server, ppid int) []psLine {
	GinkgoHelper()
	var z []psLine
	for _, l := range ps(ctx, srv) {
		if l.PPID == ppid && strings.HasPrefix(l.State, "Z") {
			z = append(z, l)
		}
	}
	return z
}

// mainPID is the pid of the main daemon named comm, from its pid file.
func mainPID(ctx context.Context, srv *containers.Server, comm string) int {
	GinkgoHelper()
	out, err := srv.ReadFile(ctx, "/var/run/xrdp/"+comm+".pid")
	Expect(err).NotTo(HaveOccurred())
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	Expect(err).NotTo(HaveOccurred())
	return pid
}

// logOf reads one of the container's log files.
func logOf(ctx context.Context, srv *containers.Server, path string) string {
	GinkgoHelper()
	out, err := srv.ReadFile(ctx, path)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// logFn is logOf for Eventually.
func logFn(srv *containers.Server, path string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return srv.ReadFile(ctx, path) }
}

// report keeps what xrdp did in the spec's report (the evidence of the
// catalog table in doc.go).
func report(name string, format string, args ...any) {
	AddReportEntry(name+" "+version, fmt.Sprintf(format, args...))
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
