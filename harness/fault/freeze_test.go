package fault_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// A burst of logins against a frozen sesman: what the sesman-errors
// checker's "unreachable" rule rests on. 0.9.x sesman listens on TCP 3350:
// connects past the listen backlog stay in progress and complete after the
// thaw. 0.10.x sesman listens on a UNIX socket with the same backlog of 2
// (common/os_calls.c, g_sck_listen: listen(sck, 2)): the kernel admits 3
// pending connects, the next non-blocking connect gets EAGAIN, and xrdp
// gives up at once with "Error connecting to sesman on sesman.socket".
var _ = Describe("FreezeSesman and a burst of logins", Label("docker"), func() {
	const burst = 6
	attempt := regexp.MustCompile(`sesman connect ok|Error connecting to sesman|[Cc]onnecting to sesman ip`)

	DescribeTable("on each side of the SCP socket change",
		func(ctx SpecContext, version string, wantRefused bool) {
			srv, err := containers.Run(ctx, version, containers.WithBuilder(builder), containers.WithUsers(burst))
			DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
			Expect(err).NotTo(HaveOccurred())

			f := &fault.FreezeSesman{}
			_, err = f.Inject(ctx, srv)
			Expect(err).NotTo(HaveOccurred())
			healed := false
			DeferCleanup(func(ctx context.Context) {
				if !healed {
					Expect(f.Heal(ctx, srv)).To(Succeed())
				}
			})

			results := make([]fakeclient.Result, burst)
			var wg sync.WaitGroup
			for i, u := range srv.Users() {
				wg.Add(1)
				go func() {
					defer GinkgoRecover()
					defer wg.Done()
					results[i] = rdpLogin(ctx, srv.RDPAddr(), u, 90*time.Second)
				}()
			}
			// Every xrdp child has tried sesman (or given up on it) while
			// sesman is still stopped.
			Eventually(func(ctx context.Context) (int, error) {
				out, err := srv.ReadFile(ctx, containers.XrdpLog)
				return len(attempt.FindAllString(out, -1)), err
			}).WithContext(ctx).WithTimeout(60*time.Second).WithPolling(200*time.Millisecond).Should(BeNumerically(">=", burst),
				"each of the %d logins reached the point where xrdp connects to sesman", burst)
			Expect(f.Heal(ctx, srv)).To(Succeed())
			healed = true
			wg.Wait()

			log := logOf(ctx, srv, containers.XrdpLog)
			refused := strings.Count(log, "Error connecting to sesman")
			ok := 0
			for _, r := range results {
				if r.Outcome == fakeclient.OK {
					ok++
				}
			}
			AddReportEntry("freeze-sesman burst "+version, fmt.Sprintf("%d logins while sesman was stopped: %d ok after the thaw, %d refused at once by xrdp (Error connecting to sesman)",
				burst, ok, refused))
			if wantRefused {
				Expect(refused).To(Equal(burst-3), "3 connects admitted (backlog 2), the rest refused:\n%s", tail(log, 30))
				Expect(ok).To(Equal(burst-refused), "the others complete after the thaw")
			} else {
				Expect(refused).To(BeZero(), tail(log, 30))
				Expect(ok).To(Equal(burst), "every login waits for the thaw and completes")
			}
		},
		Entry("0.9.21.1: TCP 3350, connects wait for the thaw", "0.9.21.1", false, SpecTimeout(4*time.Minute)),
		Entry("0.10.1: sesman.socket, connects past the backlog fail at once", "0.10.1", true, SpecTimeout(4*time.Minute)))
})
