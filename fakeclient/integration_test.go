package fakeclient_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
)

func TestFakeclient(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fakeclient")
}

// lab is the xrdp server the integration specs log into: a container from
// containers.Run, or (for development) a server given by the environment:
//
//	XRDP_ADDR             RDP address, e.g. 127.0.0.1:32774
//	XRDP_USERS            number of users (default 20)
//	XRDP_USER_PREFIX      user name prefix (default "u": u1, u2, ...)
//	XRDP_PASSWORD_PREFIX  password prefix (default "pass": pass1, pass2, ...)
//	XRDP_CONTAINER        docker container name, to read the logs
type lab struct {
	addr  string
	users []containers.User
	read  func(ctx context.Context, path string) (string, error)
}

var theLab lab

var _ = BeforeSuite(func(ctx context.Context) {
	if addr := os.Getenv("XRDP_ADDR"); addr != "" {
		theLab = envLab(addr)
		return
	}
	srv, err := containers.Run(ctx, "0.9.21.1", containers.WithUsers(20))
	DeferCleanup(func(ctx context.Context) { _ = srv.Terminate(ctx) })
	Expect(err).NotTo(HaveOccurred())
	theLab = lab{addr: srv.RDPAddr(), users: srv.Users(), read: srv.ReadFile}
}, NodeTimeout(10*time.Minute))

func envLab(addr string) lab {
	n := 20
	if s := os.Getenv("XRDP_USERS"); s != "" {
		v, err := strconv.Atoi(s)
		Expect(err).NotTo(HaveOccurred(), "XRDP_USERS")
		n = v
	}
	up, pp := envOr("XRDP_USER_PREFIX", "u"), envOr("XRDP_PASSWORD_PREFIX", "pass")
	l := lab{addr: addr}
	for i := 1; i <= n; i++ {
		l.users = append(l.users, containers.User{Name: up + strconv.Itoa(i), Password: pp + strconv.Itoa(i)})
	}
	if name := os.Getenv("XRDP_CONTAINER"); name != "" {
		l.read = func(ctx context.Context, path string) (string, error) {
			out, err := exec.CommandContext(ctx, "docker", "exec", name, "cat", path).Output()
			return string(out), err
		}
	}
	return l
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (l lab) log(ctx context.Context, path string) string {
	if l.read == nil {
		Skip("no way to read the server's logs (set XRDP_CONTAINER)")
	}
	s, err := l.read(ctx, path)
	Expect(err).NotTo(HaveOccurred())
	return s
}

func (l lab) cfg(u containers.User, name string) fakeclient.Config {
	return fakeclient.Config{Addr: l.addr, User: u.Name, Password: u.Password, ClientName: name}
}

// login dials and expects an ok outcome.
func login(ctx context.Context, cfg fakeclient.Config) *fakeclient.Conn {
	GinkgoHelper()
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, res := fakeclient.Dial(dctx, cfg)
	Expect(res.Err).NotTo(HaveOccurred(), "login %s", cfg.User)
	Expect(res.Outcome).To(Equal(fakeclient.OK))
	Expect(res.Phases).To(HaveLen(8))
	Expect(c).NotTo(BeNil())
	return c
}

var (
	startedRE     = regexp.MustCompile(`Starting session: session_pid \d+, display :(\d+)\.0, .* user name (\S+)`)
	reconnectedRE = regexp.MustCompile(`\+\+ reconnected session: username (\S+), display :(\d+)\.0`)
)

// sessionEvent is one session line of the sesman log for a user.
type sessionEvent struct {
	reconnect bool
	display   int
}

// sessionEvents lists a user's created/reconnected sessions in log order.
func sessionEvents(log, user string) []sessionEvent {
	var evs []sessionEvent
	for _, line := range strings.Split(log, "\n") {
		if m := startedRE.FindStringSubmatch(line); m != nil && strings.TrimSuffix(m[2], ",") == user {
			d, _ := strconv.Atoi(m[1])
			evs = append(evs, sessionEvent{display: d})
		}
		if m := reconnectedRE.FindStringSubmatch(line); m != nil && strings.TrimSuffix(m[1], ",") == user {
			d, _ := strconv.Atoi(m[2])
			evs = append(evs, sessionEvent{reconnect: true, display: d})
		}
	}
	return evs
}

// newEvents waits until the user's session lines grow past before and
// returns the new ones.
func newEvents(ctx context.Context, user string, before int) []sessionEvent {
	GinkgoHelper()
	var evs []sessionEvent
	Eventually(ctx, func() int {
		evs = sessionEvents(theLab.log(ctx, containers.SesmanLog), user)
		return len(evs)
	}).WithTimeout(20*time.Second).Should(BeNumerically(">", before), "sesman log lines for %s", user)
	return evs[before:]
}

var _ = Describe("fakeclient against xrdp", Label("docker"), Ordered, func() {
	It("logs 20 users in concurrently, each to its session, named in xrdp's log", func(ctx SpecContext) {
		users := theLab.users
		if len(users) > 20 {
			users = users[:20]
		}
		results := make([]fakeclient.Result, len(users))
		conns := make([]*fakeclient.Conn, len(users))
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				defer cancel()
				conns[i], results[i] = fakeclient.Dial(dctx, theLab.cfg(u, fmt.Sprintf("fc-con-%d", i+1)))
			}()
		}
		wg.Wait()
		for i, r := range results {
			Expect(r.Err).NotTo(HaveOccurred(), "user %s", users[i].Name)
			Expect(r.Outcome).To(Equal(fakeclient.OK))
		}
		if theLab.read != nil {
			xl := theLab.log(ctx, containers.XrdpLog)
			for i := range users {
				Expect(xl).To(ContainSubstring(fmt.Sprintf("client computer name: fc-con-%d\n", i+1)))
			}
		}
		for _, c := range conns {
			Expect(c.Close(ctx, fakeclient.Graceful)).To(Succeed())
		}
	}, SpecTimeout(3*time.Minute))

	It("fails a wrong password within its deadline, saying why", func(ctx SpecContext) {
		u := theLab.users[1]
		u.Password += "-wrong"
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		start := time.Now()
		c, res := fakeclient.Dial(dctx, theLab.cfg(u, "fc-badpass"))
		Expect(time.Since(start)).To(BeNumerically("<", 16*time.Second))
		Expect(c).To(BeNil())
		Expect(res.Outcome).To(Equal(fakeclient.Fail))
		Expect(res.Reason).To(Equal(fakeclient.ReasonNoSession))
		var e *fakeclient.Error
		Expect(res.Err).To(BeAssignableToTypeOf(e))
		Expect(res.Err.Error()).To(ContainSubstring("no session cursor"))
	}, SpecTimeout(30*time.Second))

	for i, style := range []fakeclient.DisconnectStyle{fakeclient.Graceful, fakeclient.Abrupt, fakeclient.Vanish} {
		It(fmt.Sprintf("reconnects to the same display after a %s disconnect", style), func(ctx SpecContext) {
			u := theLab.users[2+i]
			before := len(sessionEvents(theLab.log(ctx, containers.SesmanLog), u.Name))
			c := login(ctx, theLab.cfg(u, "fc-"+style.String()))
			first := newEvents(ctx, u.Name, before)
			d := first[len(first)-1].display
			Expect(c.Close(ctx, style)).To(Succeed())
			if style == fakeclient.Vanish {
				// Reconnect while the vanished socket is still held.
				DeferCleanup(c.Release)
			}
			c2 := login(ctx, theLab.cfg(u, "fc-re-"+style.String()))
			again := newEvents(ctx, u.Name, before+len(first))
			Expect(again[len(again)-1]).To(Equal(sessionEvent{reconnect: true, display: d}))
			Expect(c2.Close(ctx, fakeclient.Graceful)).To(Succeed())
		}, SpecTimeout(2*time.Minute))
	}

	It("returns the same display on every reconnect", func(ctx SpecContext) {
		u := theLab.users[5]
		before := len(sessionEvents(theLab.log(ctx, containers.SesmanLog), u.Name))
		var displays []int
		for round := 0; round < 3; round++ {
			c := login(ctx, theLab.cfg(u, fmt.Sprintf("fc-round-%d", round)))
			evs := newEvents(ctx, u.Name, before)
			before += len(evs)
			last := evs[len(evs)-1]
			if round > 0 {
				Expect(last.reconnect).To(BeTrue(), "round %d reconnects", round)
			}
			displays = append(displays, last.display)
			Expect(c.Close(ctx, fakeclient.Graceful)).To(Succeed())
		}
		Expect(displays).To(HaveEach(displays[0]))
	}, SpecTimeout(2*time.Minute))

	It("lands on the same display as xfreerdp for the same user", func(ctx SpecContext) {
		if _, err := exec.LookPath("xfreerdp"); err != nil {
			Skip("xfreerdp not installed (apt-get install -y freerdp2-x11 xvfb)")
		}
		if _, err := exec.LookPath("xvfb-run"); err != nil {
			Skip("xvfb-run not installed (apt-get install -y xvfb)")
		}
		u := theLab.users[6]
		before := len(sessionEvents(theLab.log(ctx, containers.SesmanLog), u.Name))
		c := login(ctx, theLab.cfg(u, "fc-vs-freerdp"))
		first := newEvents(ctx, u.Name, before)
		Expect(c.Close(ctx, fakeclient.Graceful)).To(Succeed())
		before += len(first)

		stop := RunFreeRDP(ctx, theLab.addr, u.Name, u.Password)
		viaFreeRDP := newEvents(ctx, u.Name, before)
		stop()
		before += len(viaFreeRDP)
		Expect(viaFreeRDP[len(viaFreeRDP)-1]).To(Equal(sessionEvent{reconnect: true, display: first[len(first)-1].display}))

		c = login(ctx, theLab.cfg(u, "fc-post-xfrdp"))
		again := newEvents(ctx, u.Name, before)
		Expect(again[len(again)-1]).To(Equal(sessionEvent{reconnect: true, display: first[len(first)-1].display}))
		Expect(c.Close(ctx, fakeclient.Graceful)).To(Succeed())
	}, SpecTimeout(2*time.Minute))
})

// RunFreeRDP starts xfreerdp under xvfb-run as user against addr, with the
// same desktop and depth as fakeclient's defaults, and returns a func that
// stops it. Callers wait for the server's log to show the login.
func RunFreeRDP(ctx context.Context, addr, user, password string) (stop func()) {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "xfreerdp", "/v:"+addr, "/u:"+user, "/p:"+password,
		"/cert:ignore", "/sec:tls", "/size:1024x768", "/bpp:32", "/log-level:WARN")
	cmd.Stdout, cmd.Stderr = GinkgoWriter, GinkgoWriter
	// xvfb-run starts Xvfb and xfreerdp as children: kill the group.
	cmd.SysProcAttr = procGroup()
	Expect(cmd.Start()).To(Succeed())
	return func() {
		killGroup(cmd)
		_ = cmd.Wait()
	}
}
