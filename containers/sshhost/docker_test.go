package sshhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"golang.org/x/crypto/ssh"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// A small reconnect-storm (scenarios/defaults/reconnect-storm.yaml cut to
// 4 users and 3 waves): the same scenario runs on a container target and
// on the same xrdp image stood up as an ssh host.
const smallStorm = `name: reconnect-storm-small
target:
  users: 4
  reconnectScript:
    runTime: 1s
    align: 1s
load:
  - kind: sequence
    steps:
      - kind: reconnect-storm
        cycles: 1
        hold: 500ms
      - kind: reconnect-storm
        cycles: 3
        rounds: true
        hold: 300ms
        think: 700ms
        style: abrupt
      - kind: fault
        fault:
          kind: end-sessions
          params: {count: "2"}
      - kind: burst
        n: 4
        hold: 1s
checks:
  maxErrorRate: 0
settle: 5s
maxDuration: 3m
`

const version = "0.9.21.1"

func verdicts(rec *harness.Record, checkers []harness.Checker) map[string]harness.Validity {
	out := map[string]harness.Validity{}
	for _, c := range checkers {
		for _, v := range c.Check(rec) {
			// One target per run: the checker's answer for it.
			if prev, ok := out[v.Checker]; !ok || prev == harness.Valid {
				out[v.Checker] = v.Valid
			}
		}
	}
	return out
}

var _ = Describe("ssh target", Ordered, Label("docker"), func() {
	var (
		lab      *hostLab
		spec     scenarios.Spec
		pwFile   string
		password string
		k        keys
		baseCfg  sshhost.Config
		copts    []containers.Option
		checkers []harness.Checker
	)

	BeforeAll(func(ctx SpecContext) {
		var err error
		spec, err = scenarios.Parse("small-storm.yaml", strings.NewReader(smallStorm))
		Expect(err).NotTo(HaveOccurred())
		copts, err = spec.Options()
		Expect(err).NotTo(HaveOccurred())
		_, checkers, err = spec.Plan(version)
		Expect(err).NotTo(HaveOccurred())
		k = newKeys()
		pwFile = filepath.Join(GinkgoT().TempDir(), "passwords")
		// The run's password reaches the ssh target from a file, as an
		// operator's would.
		password = "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		copts = append(copts, containers.WithPassword(password))
		Expect(os.WriteFile(pwFile, []byte(password+"\n"), 0o600)).To(Succeed())
		baseCfg = sshhost.Config{
			Name: "ssh-" + version, User: "xhops", IdentityFile: k.identity, HostKeyFingerprint: k.fingerprint,
			Users: []string{"user1", "user2", "user3", "user4"}, PasswordFile: pwFile, AllowFaults: true,
			ExtraLogs: map[string]string{string(harness.LogReconnect): containers.ReconnectLog},
		}
		// SYS_PTRACE for sigchld-loss, as on a host where root may ptrace.
		lab = &hostLab{version: version, opts: append(copts, containers.WithCapabilities("SYS_PTRACE")), keys: k, cfg: baseCfg}
		DeferCleanup(func(ctx context.Context) { lab.terminate(ctx) })
		Expect(lab.start(ctx)).To(Succeed())
	})

	It("refuses a host key other than the pinned one before it logs in", func(ctx SpecContext) {
		cfg := baseCfg
		cfg.Addr = lab.cfg.Addr
		other := newKeys()
		cfg.HostKeyFingerprint = other.fingerprint
		h, err := sshhost.Connect(ctx, cfg)
		Expect(h).To(BeNil())
		var hk *sshhost.HostKeyError
		Expect(errors.As(err, &hk)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("does not match the pinned " + other.fingerprint))
		Expect(err.Error()).To(ContainSubstring(k.fingerprint))
	})

	It("refuses a login that is neither root nor allowed sudo -n, before it changes anything", func(ctx SpecContext) {
		cfg := baseCfg
		cfg.Addr = lab.cfg.Addr
		cfg.User = "nosudo"
		h, err := sshhost.Connect(ctx, cfg)
		Expect(err).To(MatchError(sshhost.ErrNoPrivilege))
		Expect(err.Error()).To(ContainSubstring("NOPASSWD"))
		Expect(h.Dir()).To(BeEmpty(), "nothing was copied")
		Expect(h.Close(ctx)).To(Succeed())
	})

	It("runs the storm through SSH alone, with the container target's verdicts, and leaves nothing behind", func(ctx SpecContext) {
		By("the container target")
		cplan, _, err := spec.Plan(version, containers.WithBuilder(builder), containers.WithPassword(password))
		Expect(err).NotTo(HaveOccurred())
		crec, err := harness.Run(ctx, cplan)
		Expect(err).NotTo(HaveOccurred())
		want := verdicts(crec, checkers)

		By("the ssh host")
		splan := cplan
		splan.Lab = lab
		srec, err := harness.Run(ctx, splan)
		Expect(err).NotTo(HaveOccurred())
		Expect(lab.downErr).NotTo(HaveOccurred(), "cleanup proved over SSH")
		Expect(srec.Targets).To(HaveLen(1))
		info := srec.Targets[0]
		Expect(info.Version).To(Equal(version))
		Expect(info.Flavour).To(Equal("host"))
		Expect(info.Config["kind"]).To(Equal("ssh"))
		Expect(info.Config["privilege"]).To(Equal("sudo -n"))
		// The container shares this machine's clock: the measured offset
		// is within the round trip.
		off, err := time.ParseDuration(info.Config["clockOffset"])
		Expect(err).NotTo(HaveOccurred())
		Expect(off.Abs()).To(BeNumerically("<", 500*time.Millisecond), "clock offset %s (rtt %s)", off, info.Config["clockRTT"])
		Expect(srec.Procs).NotTo(BeEmpty(), "the sampler's events came over SSH")
		Expect(srec.Faults).To(HaveLen(1))
		Expect(srec.Faults[0].Err).To(BeEmpty())
		got := verdicts(srec, checkers)
		GinkgoWriter.Printf("container verdicts %v\nssh verdicts       %v\n", want, got)
		Expect(got).To(Equal(want))

		By("no password in the Record")
		js, err := json.Marshal(srec)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(js)).NotTo(ContainSubstring(password))

		By("no docker exec in the ssh host's container, from its creation to now")
		Expect(lab.execCount(ctx)).To(BeZero())

		By("an independent look over SSH: no directory, no agent")
		Expect(lab.dir).To(HavePrefix("/tmp/xrdp-harness."))
		out := sshRun(ctx, lab.cfg.Addr, k, "ls -d /tmp/xrdp-harness.* 2>/dev/null; ps -eo args= | grep -c '[x]rdp-harness-agent sample'")
		Expect(strings.TrimSpace(out)).To(Equal("0"))
	})
})

var _ = Describe("host faults over SSH", Ordered, Label("docker"), func() {
	It("injects and heals restart (through the service command), squat-port and sigchld-loss, the agent run from the run's directory", func(ctx SpecContext) {
		k := newKeys()
		pw := filepath.Join(GinkgoT().TempDir(), "pw")
		Expect(os.WriteFile(pw, []byte("xrdp-harness\n"), 0o600)).To(Succeed())
		lab := &hostLab{version: version, keys: k, opts: []containers.Option{containers.WithUsers(2), containers.WithCapabilities("SYS_PTRACE")},
			cfg: sshhost.Config{Name: "ssh-faults", User: "xhops", IdentityFile: k.identity, HostKeyFingerprint: k.fingerprint,
				Users: []string{"user1", "user2"}, PasswordFile: pw, AllowFaults: true,
				// No systemd in the stand-in host: its "service manager"
				// starts the daemon, which forks into the background.
				ServiceCommand: "{process}"}}
		DeferCleanup(func(ctx context.Context) { lab.terminate(ctx) })
		plan := harness.Plan{
			Name: "host-faults",
			Lab:  lab,
			Load: []harness.Executor{&load.Pause{For: 9 * time.Second}},
			Fault: []harness.FaultStep{
				{Fault: &fault.Restart{Process: "xrdp-sesman"}, At: 0, Hold: time.Second},
				{Fault: &fault.SquatPort{}, At: 3 * time.Second, Hold: time.Second},
				{Fault: &fault.SIGCHLDLoss{Probability: 1}, At: 6 * time.Second, Hold: time.Second},
			},
			Settle:      2 * time.Second,
			MaxDuration: 2 * time.Minute,
		}
		rec, err := harness.Run(ctx, plan)
		Expect(err).NotTo(HaveOccurred())
		Expect(lab.downErr).NotTo(HaveOccurred(), "every agent the faults started is gone with the directory")
		Expect(rec.Faults).To(HaveLen(3))
		for _, w := range rec.Faults {
			GinkgoWriter.Printf("%s: %s err=%q\n", w.Name, w.Detail, w.Err)
			Expect(w.Err).To(BeEmpty(), w.Name)
			Expect(w.Heal).NotTo(BeZero(), w.Name)
		}
		Expect(rec.Faults[0].Detail).To(ContainSubstring("SIGTERM xrdp-sesman"))
		Expect(lab.execCount(ctx)).To(BeZero())
		By("sesman runs again after the heal, started by the service command")
		out := sshRun(ctx, lab.cfg.Addr, k, "ps -eo comm= | grep -cx xrdp-sesman; ls -d /tmp/xrdp-harness.* 2>/dev/null | wc -l")
		Expect(strings.Fields(out)).To(HaveLen(2))
		Expect(strings.Fields(out)[0]).NotTo(Equal("0"))
		Expect(strings.Fields(out)[1]).To(Equal("0"))
	})
})

// sshRun runs one command on the ssh host as xhops, host key pinned.
func sshRun(ctx context.Context, addr string, k keys, cmd string) string {
	GinkgoHelper()
	pem, err := os.ReadFile(k.identity)
	Expect(err).NotTo(HaveOccurred())
	signer, err := ssh.ParsePrivateKey(pem)
	Expect(err).NotTo(HaveOccurred())
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "xhops", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if ssh.FingerprintSHA256(key) != k.fingerprint {
				return errors.New("host key mismatch")
			}
			return nil
		}, Timeout: 20 * time.Second})
	Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	s, err := c.NewSession()
	Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	out, _ := s.CombinedOutput(cmd)
	return string(out)
}

// The defect build (0.9.21.1 from source, its SIGCHLD fix reverted) as a
// container target and as an ssh host: the built-in reconnect-storm (10
// users, 6 waves) must find it invalid on the same checkers both ways,
// zombies among them. The small storm above is too small for that: its 4
// users' merged signals are a matter of luck (one run of each found
// zombies on the ssh host and none in the container). It builds xrdp from
// source when the image is missing (minutes on a cold cache) and runs the
// storm twice, hence "slow".
var _ = Describe("ssh target on the defect build", Ordered, Label("docker", "slow"), func() {
	It("gives the container target's invalid verdicts, zombies among them, through SSH alone", func(ctx SpecContext) {
		spec, err := scenarios.Builtin("reconnect-storm")
		Expect(err).NotTo(HaveOccurred())
		copts, err := spec.Options()
		Expect(err).NotTo(HaveOccurred())
		_, checkers, err := spec.Plan(version)
		Expect(err).NotTo(HaveOccurred())
		v, err := scenarios.ParseVersion(scenarios.DefectBuild, nil)
		Expect(err).NotTo(HaveOccurred())
		v, err = scenarios.Materialize(v, builder.CacheDir())
		Expect(err).NotTo(HaveOccurred())
		src := containers.WithSource(*v.Image.Source)
		password := "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		pwFile := filepath.Join(GinkgoT().TempDir(), "passwords")
		Expect(os.WriteFile(pwFile, []byte(password+"\n"), 0o600)).To(Succeed())

		By("the container target")
		cplan, _, err := spec.Plan(v.Image.Version, containers.WithBuilder(builder), containers.WithPassword(password), src)
		Expect(err).NotTo(HaveOccurred())
		crec, err := harness.Run(ctx, cplan)
		Expect(err).NotTo(HaveOccurred())
		want := verdicts(crec, checkers)

		By("the ssh host")
		var users []string
		for i := 1; i <= spec.Target.Users; i++ {
			users = append(users, "user"+strconv.Itoa(i))
		}
		k := newKeys()
		lab := &hostLab{version: v.Image.Version, opts: append(copts, containers.WithPassword(password), src), keys: k,
			cfg: sshhost.Config{Name: "ssh-defect", User: "xhops", IdentityFile: k.identity, HostKeyFingerprint: k.fingerprint,
				Users: users, PasswordFile: pwFile, AllowFaults: true,
				ExtraLogs: map[string]string{string(harness.LogReconnect): containers.ReconnectLog}}}
		DeferCleanup(func(ctx context.Context) { lab.terminate(ctx) })
		splan := cplan
		splan.Lab = lab
		srec, err := harness.Run(ctx, splan)
		Expect(err).NotTo(HaveOccurred())
		Expect(lab.downErr).NotTo(HaveOccurred(), "cleanup proved over SSH")
		got := verdicts(srec, checkers)
		GinkgoWriter.Printf("container verdicts %v\nssh verdicts       %v\n", want, got)
		Expect(srec.Targets[0].Config["kind"]).To(Equal("ssh"))
		Expect(want["zombies"]).To(Equal(harness.Invalid), "the container target finds the defect")
		Expect(got).To(Equal(want))
		Expect(lab.execCount(ctx)).To(BeZero())
	})
})
