package fault_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// bareTarget is a target with no optional capability.
type bareTarget struct{ name string }

func (b bareTarget) Name() string                            { return b.name }
func (bareTarget) Info() harness.TargetInfo                  { return harness.TargetInfo{} }
func (bareTarget) RDPAddr() string                           { return "127.0.0.1:1" }
func (bareTarget) SesmanAddr() string                        { return "" }
func (bareTarget) Users() []harness.User                     { return nil }
func (bareTarget) Watch(context.Context, harness.Sink) error { return nil }
func (bareTarget) Exec(context.Context, ...string) (int, string, error) {
	return -1, "", errors.New("bare target: no exec")
}

// cgroupLimits reads the container's cgroup v1 limits from inside.
func cgroupLimits(ctx context.Context, srv *containers.Server) string {
	GinkgoHelper()
	_, out, err := srv.Exec(ctx, "sh", "-c",
		"cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max | tr '\\n' ' '")
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimSpace(out)
}

var _ = Describe("Resources", func() {
	It("rejects bad settings, naming each problem", func() {
		errs := (&fault.Resources{CPUs: -1, MemoryMB: 3}).Validate()
		Expect(errs).To(HaveLen(2))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring("negative"), ContainSubstring("memory 3MB")))
		Expect((&fault.Resources{}).Validate()).To(ConsistOf(MatchError(ContainSubstring("no limit given"))))
		Expect((&fault.Resources{Pids: 10}).Validate()).To(BeEmpty())
	})

	It("says clearly when the target cannot change its limits", func() {
		_, err := (&fault.Resources{Pids: 10}).Inject(context.Background(), bareTarget{"bare"})
		var ce *fault.CapabilityError
		Expect(errors.As(err, &ce)).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring("target bare has no fault.ResourceController")))
	})

	It("applies CPU, memory and pids limits for the hold and restores them at Heal", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx)
		f := &fault.Resources{CPUs: 0.5, MemoryMB: 256, Pids: 200}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal("cpus 0.5, memory 256MB, pids 200 (was cpus unlimited, memory unlimited, pids unlimited)"))
		cpus, mem, pids, err := srv.ResourceLimits(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect([]any{cpus, mem, pids}).To(Equal([]any{0.5, int64(256), int64(200)}))
		Expect(cgroupLimits(ctx, srv)).To(Equal("50000 268435456 200"))

		By("a second fault tightens one limit and keeps the others")
		g := &fault.Resources{Pids: 150}
		detail, err = g.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal("cpus 0.5, memory 256MB, pids 150 (was cpus 0.5, memory 256MB, pids 200)"))
		Expect(g.Heal(ctx, srv)).To(Succeed())
		Expect(cgroupLimits(ctx, srv)).To(Equal("50000 268435456 200"))

		Expect(f.Heal(ctx, srv)).To(Succeed())
		cpus, mem, pids, err = srv.ResourceLimits(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect([]any{cpus, mem, pids}).To(Equal([]any{0.0, int64(0), int64(0)}))
		Expect(cgroupLimits(ctx, srv)).To(HaveSuffix(" max"), "pids limit lifted")
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[0], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
	}, SpecTimeout(2*time.Minute))

	It("with room for three more tasks, a new session's chansrv fork fails and 0.9.21.1 sesman's kill(-1) ends the container", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx)
		// Warm the SCP relay first: its threads count as tasks too, and must
		// exist before the headroom is measured.
		u := srv.Users()[1]
		Expect(scp.Authenticate(ctx, srv.SesmanAddr(), u.Name, u.Password)).To(Succeed())
		_, out, err := srv.Exec(ctx, "cat", "/sys/fs/cgroup/pids/pids.current")
		Expect(err).NotTo(HaveOccurred())
		current, err := strconv.Atoi(strings.TrimSpace(out))
		Expect(err).NotTo(HaveOccurred())
		current-- // the cat itself

		f := &fault.Resources{Pids: int64(current + 3)}
		_, err = f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Eventually(func(ctx context.Context) (string, error) {
			st, err := srv.Container().State(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s %d", st.Status, st.ExitCode), nil
		}).WithContext(ctx).WithTimeout(40 * time.Second).Should(Equal("exited 143"))
		log := logOf(ctx, srv, containers.SesmanLog)
		Expect(log).To(ContainSubstring("Process fork failed with errno: 11"))
		Expect(log).To(ContainSubstring("Terminating the xrdp channel server (pid -1) on display 10"))
		Expect(f.Heal(ctx, srv)).To(Succeed(), "limits of a stopped container can still be restored")
		report("resources pids", "pids limit current+3 (%d): xauth and chansrv forks fail (EAGAIN); at session end sesman calls kill(-1, SIGTERM) for the chansrv pid -1; the container's init child dies, the container exits 143", current+3)
	}, SpecTimeout(2*time.Minute))
})
