package containers_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// Debian's orig tarball is the upstream release tarball; of the source pools
// only the security archive serves it here.
const (
	origURL    = "https://deb.debian.org/debian-security/pool/updates/main/x/xrdp/xrdp_0.9.21.1.orig.tar.gz"
	origSHA256 = "7c6c42dce7d3201efe4481e0d388e00094bf8f15224ddad9e47b402a672e08e3"
)

// run boots a server and registers its removal before anything can fail.
func run(ctx context.Context, version string, opts ...containers.Option) *containers.Server {
	GinkgoHelper()
	start := time.Now()
	srv, err := containers.Run(ctx, version, append([]containers.Option{containers.WithBuilder(builder)}, opts...)...)
	DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
	Expect(err).NotTo(HaveOccurred())
	AddReportEntry("boot "+version, ReportEntryVisibilityAlways,
		srv.Image().Ref+" built="+strconv.FormatBool(srv.Image().Built)+
			" image-time="+srv.Image().Took.Round(time.Millisecond).String()+
			" size="+strconv.FormatInt(srv.Image().Size>>20, 10)+"MiB"+
			" total-to-ready="+time.Since(start).Round(time.Millisecond).String())
	return srv
}

// negotiateTLS does what an RDP client does first: an X.224 Connection
// Request asking for TLS ([MS-RDPBCGR] 2.2.1.1), the Confirm, then the TLS
// handshake on the same socket. It returns the selected protocol.
func negotiateTLS(ctx context.Context, addr string) (uint32, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	req := []byte{3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 1, 0, 0, 0}
	if _, err := conn.Write(req); err != nil {
		return 0, err
	}
	resp := make([]byte, 19)
	if _, err := io.ReadFull(conn, resp); err != nil {
		return 0, err
	}
	if resp[5] != 0xD0 || resp[11] != 2 {
		return 0, errors.New("no RDP_NEG_RSP in the confirm")
	}
	sel := binary.LittleEndian.Uint32(resp[15:])
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.HandshakeContext(ctx); err != nil {
		return sel, err
	}
	return sel, nil
}

// acceptsConnection proves a real listener sits behind the published port:
// the engine's proxy accepts even when nothing listens inside, but then
// closes at once, while sesman keeps the connection open for a request.
func acceptsConnection(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil // open and waiting for us: a real accept
	}
	return errors.New("connection closed at once: nothing listens behind the published port")
}

var _ = Describe("Debian-packaged xrdp", Label("docker"), func() {
	DescribeTable("boots, answers RDP with TLS selected, and sesman accepts",
		func(ctx SpecContext, version string, scpV0 bool) {
			srv := run(ctx, version, containers.WithUsers(3))
			Expect(srv.Version()).To(Equal(version))
			Expect(srv.RDPAddr()).To(HavePrefix("127.0.0.1:"))
			if scpV0 {
				Expect(srv.SesmanAddr()).To(HavePrefix("127.0.0.1:"))
			} else {
				Expect(srv.SesmanAddr()).To(BeEmpty(), "0.10 sesman has no TCP endpoint")
			}

			By("the RDP port negotiates TLS like a client expects")
			probeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			sel, err := negotiateTLS(probeCtx, srv.RDPAddr())
			Expect(err).NotTo(HaveOccurred())
			Expect(sel).To(Equal(uint32(1)), "PROTOCOL_SSL selected")

			if scpV0 {
				By("sesman accepts a connection on its published port and answers SCP v0")
				Expect(acceptsConnection(srv.SesmanAddr())).To(Succeed())
				users := srv.Users()
				Expect(scp.Authenticate(probeCtx, srv.SesmanAddr(), users[0].Name, users[0].Password)).To(Succeed())
				var denied *scp.DeniedError
				Expect(errors.As(scp.Authenticate(probeCtx, srv.SesmanAddr(), users[0].Name, "wrong"), &denied)).To(BeTrue())
			} else {
				By("sesman accepts a connection on its UNIX socket (from inside: it has no TCP endpoint)")
				code, out, err := srv.Exec(ctx, "perl", "-MIO::Socket::UNIX", "-e", `
					open(my $f, "<", "/proc/net/unix") or die "read /proc/net/unix: $!\n";
					my ($path) = map { (split)[7] } grep { /sesman\.socket$/ } <$f>;
					defined $path or die "no sesman.socket listed\n";
					IO::Socket::UNIX->new(Peer => $path) or die "connect $path: $!\n";
					print "connected $path\n"`)
				Expect(err).NotTo(HaveOccurred())
				Expect(code).To(Equal(0), out)
				Expect(out).To(ContainSubstring("connected"))
			}

			By("the image holds the package of that version, the users, tini as PID 1")
			code, out, err := srv.Exec(ctx, "dpkg-query", "-W", "-f", "${Version}", "xrdp")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			Expect(out).To(HavePrefix(version))
			code, _, err = srv.Exec(ctx, "id", "user3")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0))
			_, out, _ = srv.Exec(ctx, "cat", "/proc/1/comm")
			Expect(strings.TrimSpace(out)).To(Equal("tini"))
			log, err := srv.ReadFile(ctx, containers.SesmanLog)
			Expect(err).NotTo(HaveOccurred())
			Expect(log).To(ContainSubstring("xrdp-sesman"))

			By("ports are published on the host's loopback only")
			info, err := srv.Container().Inspect(ctx)
			Expect(err).NotTo(HaveOccurred())
			for port, bindings := range info.NetworkSettings.Ports {
				for _, b := range bindings {
					Expect(b.HostIP.String()).To(Equal("127.0.0.1"), "binding of %s", port)
				}
			}
		},
		Entry("0.9.21.1 (bookworm)", "0.9.21.1", true),
		Entry("0.9.24 (bookworm-backports)", "0.9.24", true),
		Entry("0.10.1 (trixie)", "0.10.1", false),
	)

	It("builds nothing the second time (content-hash cache)", func(ctx SpecContext) {
		spec, err := containers.ParseImageSpec("0.9.21.1")
		Expect(err).NotTo(HaveOccurred())
		first, err := builder.Ensure(ctx, spec)
		Expect(err).NotTo(HaveOccurred())
		again, err := builder.Ensure(ctx, spec)
		Expect(err).NotTo(HaveOccurred())
		Expect(again.Built).To(BeFalse())
		Expect(again.Ref).To(Equal(first.Ref))
		AddReportEntry("warm ensure 0.9.21.1", again.Took.String())
	})

	It("applies the knobs: display offset, max sessions, policy, ini overrides, limits, reconnect script",
		func(ctx SpecContext) {
			srv := run(ctx, "0.9.21.1",
				containers.WithUsers(4),
				containers.WithUserPrefix("qa"),
				containers.WithPassword("s3cret pw"),
				containers.WithDisplayOffset(200),
				containers.WithMaxSessions(7),
				containers.WithPolicy("UBD"),
				containers.WithIni(containers.IniSetting{File: "xrdp.ini", Section: "Globals", Key: "max_bpp", Value: "24"}),
				containers.WithResources(containers.Resources{MemoryMB: 512, PidsLimit: 300}),
				containers.WithReconnectScript(containers.ReconnectScript{RunTime: 250 * time.Millisecond, Align: time.Second}),
			)
			ini, err := srv.ReadFile(ctx, "/etc/xrdp/sesman.ini")
			Expect(err).NotTo(HaveOccurred())
			Expect(ini).To(MatchRegexp(`(?m)^X11DisplayOffset=200$`))
			Expect(ini).To(MatchRegexp(`(?m)^MaxSessions=7$`))
			Expect(ini).To(MatchRegexp(`(?m)^Policy=UBD$`))
			xini, err := srv.ReadFile(ctx, "/etc/xrdp/xrdp.ini")
			Expect(err).NotTo(HaveOccurred())
			Expect(xini).To(MatchRegexp(`(?m)^max_bpp=24$`))
			Expect(xini).To(MatchRegexp(`(?m)^autorun=Xvnc$`))
			env, err := srv.ReadFile(ctx, "/etc/xrdp-harness/reconnect.env")
			Expect(err).NotTo(HaveOccurred())
			Expect(env).To(ContainSubstring("RUN_TIME=0.250"))
			Expect(env).To(ContainSubstring("ALIGN_MS=1000"))

			By("sesman really uses them: the first session gets display 200")
			reqCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			u := srv.Users()[3]
			Expect(u.Name).To(Equal("qa4"))
			reply, err := scp.RequestSession(reqCtx, srv.SesmanAddr(), scp.SessionRequest{
				Type: scp.Xvnc, Username: u.Name, Password: u.Password, Width: 800, Height: 600, BPP: 16})
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Display).To(Equal(200))

			info, err := srv.Container().Inspect(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(info.HostConfig.Memory).To(Equal(int64(512 << 20)))
			Expect(*info.HostConfig.PidsLimit).To(Equal(int64(300)))
		})
})

var _ = Describe("Source-built xrdp", Label("docker", "slow"), func() {
	It("builds a Debian orig tarball (URL + sha256) inside an image and boots it", func(ctx SpecContext) {
		srv := run(ctx, "0.9.21.1@"+origURL+"#sha256="+origSHA256, containers.WithUsers(2))
		Expect(srv.Image().Flavour).To(Equal(containers.FlavourSource))
		probeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		sel, err := negotiateTLS(probeCtx, srv.RDPAddr())
		Expect(err).NotTo(HaveOccurred())
		Expect(sel).To(Equal(uint32(1)))
		u := srv.Users()[0]
		Expect(scp.Authenticate(probeCtx, srv.SesmanAddr(), u.Name, u.Password)).To(Succeed())
		By("the daemons are the source build, not a package")
		code, _, _ := srv.Exec(ctx, "dpkg-query", "-W", "xrdp")
		Expect(code).NotTo(Equal(0), "no xrdp package may be installed")
		_, out, err := srv.Exec(ctx, "xrdp", "--version")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("0.9.21.1"))
	})

	It("fails a build that breaks, naming version and step, and tags nothing", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		patch := filepath.Join(dir, "broken.patch")
		Expect(os.WriteFile(patch, []byte("--- a/no-such-file.c\n+++ b/no-such-file.c\n@@ -1 +1 @@\n-x\n+y\n"), 0o644)).To(Succeed())
		spec := containers.ImageSpec{Version: "0.9.21.1", Source: &containers.Source{
			Tarball: origURL, SHA256: origSHA256, Patches: []string{patch}}}
		img, err := builder.Ensure(ctx, spec)
		var be *containers.BuildError
		Expect(errors.As(err, &be)).To(BeTrue(), "got %v", err)
		Expect(be.Version).To(Equal("0.9.21.1"))
		Expect(be.Step).To(ContainSubstring("broken.patch"))
		Expect(err.Error()).To(ContainSubstring("log tail"))
		Expect(img.Ref).NotTo(BeEmpty())
		Expect(builder.Has(ctx, img.Ref)).To(BeFalse(), "a failed build must tag nothing")
	})
})

var _ = Describe("Bad input", func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	ensure := func(ctx context.Context, s string) error {
		spec, err := containers.ParseImageSpec(s)
		if err != nil {
			return err
		}
		_, err = builder.Ensure(ctx, spec)
		return err
	}

	It("names an unknown version and the way out", func(ctx SpecContext) {
		err := ensure(ctx, "0.9.99")
		Expect(err).To(MatchError(ContainSubstring(`"0.9.99"`)))
		Expect(err).To(MatchError(ContainSubstring("0.9.21.1")))
		Expect(err).To(MatchError(ContainSubstring("build from source")))
	})

	It("rejects version strings that are not release numbers", func() {
		_, err := containers.ParseImageSpec("latest")
		Expect(err).To(MatchError(ContainSubstring("release number")))
		_, err = containers.ParseImageSpec("0.9.17@")
		Expect(err).To(MatchError(ContainSubstring("tarball")))
	})

	It("names a missing tarball", func(ctx SpecContext) {
		err := ensure(ctx, "0.9.17@"+filepath.Join(dir, "xrdp-0.9.17.tar.gz"))
		Expect(err).To(MatchError(And(ContainSubstring("xrdp-0.9.17.tar.gz"), ContainSubstring("no such file"))))
	})

	It("names a corrupt tarball", func(ctx SpecContext) {
		p := filepath.Join(dir, "xrdp-0.9.17.tar.gz")
		Expect(os.WriteFile(p, []byte("this is not gzip"), 0o644)).To(Succeed())
		Expect(ensure(ctx, "0.9.17@"+p)).To(MatchError(ContainSubstring("not a gzip file")))
	})

	It("names a tarball that is not an xrdp release", func(ctx SpecContext) {
		p := filepath.Join(dir, "other.tar.gz")
		Expect(exec.Command("sh", "-c", "mkdir -p "+dir+"/x/other && echo hi > "+dir+"/x/other/README && tar -C "+dir+"/x -czf "+p+" other").Run()).To(Succeed())
		Expect(ensure(ctx, "@"+p)).To(MatchError(ContainSubstring("not an xrdp release tarball")))
	})

	It("names a sha256 mismatch with both sums", func(ctx SpecContext) {
		wrong := strings.Repeat("0", 64)
		err := ensure(ctx, "0.9.21.1@"+origURL+"#sha256="+wrong)
		Expect(err).To(MatchError(And(ContainSubstring(wrong), ContainSubstring(origSHA256), ContainSubstring("sha256"))))
	})

	It("asks for a sha256 with a URL, and refuses plain http", func(ctx SpecContext) {
		Expect(ensure(ctx, "0.9.21.1@"+origURL)).To(MatchError(ContainSubstring("needs its sha256")))
		Expect(ensure(ctx, "0.9.21.1@http://deb.debian.org/x.tar.gz#sha256="+origSHA256)).To(MatchError(ContainSubstring("https")))
	})

	It("names a version that differs from the tarball's own", func(ctx SpecContext) {
		Expect(ensure(ctx, "0.9.17@"+origURL+"#sha256="+origSHA256)).To(MatchError(
			And(ContainSubstring("0.9.21.1"), ContainSubstring("0.9.17"))))
	})

	It("rejects knobs out of range before touching Docker", func(ctx SpecContext) {
		for _, o := range []containers.Option{
			containers.WithUsers(0), containers.WithDisplayOffset(-1), containers.WithMaxSessions(0),
			containers.WithPolicy("Sometimes"), containers.WithPassword("a:b"),
			containers.WithIni(containers.IniSetting{File: "../passwd", Section: "x", Key: "y"}),
			containers.WithResources(containers.Resources{MemoryMB: 8}),
		} {
			_, err := containers.Run(ctx, "0.9.21.1", o)
			Expect(err).To(MatchError(ContainSubstring("containers: run xrdp 0.9.21.1")))
		}
		_, err := containers.ParseIniSetting("sesman.ini:MaxSessions")
		Expect(err).To(MatchError(ContainSubstring("file:section.key=value")))
	})
})

// Serial: its orphan carries a dead owner on purpose, and any Run of
// another ginkgo process sweeps it at start, while this spec waits for it
// to come up (make test runs a suite's specs on two processes).
var _ = Describe("Sweep", Label("docker"), Serial, func() {
	It("removes leftovers of a dead run and keeps a live run's", func(ctx SpecContext) {
		// A pid that certainly ended: a child we started and waited for.
		cmd := exec.Command("true")
		Expect(cmd.Run()).To(Succeed())
		host, _ := os.Hostname()
		dead := host + ":" + strconv.Itoa(cmd.Process.Pid)
		orphan := run(ctx, "0.9.21.1", containers.WithLabels(map[string]string{containers.LabelOwner: dead}))
		By("the next Run sweeps the dead run's container at start")
		live := run(ctx, "0.9.21.1")
		_, err := orphan.Container().State(ctx)
		Expect(err).To(HaveOccurred(), "the orphan must be gone")
		By("a sweep keeps the containers of live runs")
		swept, err := containers.Sweep(ctx, false)
		Expect(err).NotTo(HaveOccurred())
		Expect(swept.Containers).NotTo(ContainElement(live.ID()))
		st, err := live.Container().State(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Running).To(BeTrue())
	})
})

var _ = Describe("Lab", Label("docker"), func() {
	It("puts each lab on a network of its own and removes it at Down", func(ctx SpecContext) {
		lab := &containers.Lab{Nodes: []containers.Node{{Version: "0.9.21.1"}}, Options: []containers.Option{containers.WithBuilder(builder)}}
		DeferCleanup(func(ctx SpecContext) { _ = lab.Down(ctx) })
		targets, err := lab.Up(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(targets).To(HaveLen(1))
		info, err := lab.Servers()[0].Container().Inspect(ctx)
		Expect(err).NotTo(HaveOccurred())
		var nets []string
		for name := range info.NetworkSettings.Networks {
			nets = append(nets, name)
		}
		Expect(nets).To(ConsistOf(HavePrefix("xrdp-harness-")), "not on Docker's default bridge")
		srv := lab.Servers()[0]
		Expect(acceptsConnection(srv.SesmanAddr())).To(Succeed(), "published ports still reach it")
		u := srv.Users()[0]
		Expect(scp.Authenticate(ctx, srv.SesmanAddr(), u.Name, u.Password)).To(Succeed(), "SCP through the relay")

		By("the SCP relay takes the gateway (Docker's proxy) only: a peer on the lab network is refused")
		code, out, err := srv.Exec(ctx, "bash", "-c", `exec 3<>"/dev/tcp/$(hostname -i | cut -d' ' -f1)/3351"; timeout 20 cat <&3 && echo closed`)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0), out)
		Expect(out).To(ContainSubstring("closed"), "the relay closed the connection")
		Eventually(func(ctx context.Context) (string, error) { return srv.ReadFile(ctx, containers.RelayLog) }).
			WithContext(ctx).Should(And(ContainSubstring(`"only"`), ContainSubstring(`"refused"`)))
		Expect(lab.Down(ctx)).To(Succeed())
		left, err := exec.CommandContext(ctx, "docker", "network", "ls", "-q", "--filter", "name="+nets[0]).Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.TrimSpace(string(left))).To(BeEmpty(), "network %s left behind", nets[0])
	})
})
