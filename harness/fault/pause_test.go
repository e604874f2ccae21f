package fault_test

import (
	"context"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

var _ = Describe("PauseContainer", func() {
	It("says clearly when the target cannot be paused", func() {
		_, err := (&fault.PauseContainer{}).Inject(context.Background(), bareTarget{"bare"})
		var ce *fault.CapabilityError
		Expect(errors.As(err, &ce)).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring("has no fault.Pauser")))
	})

	It("freezes the container: logins time out, and succeed after Heal", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx)
		f := &fault.PauseContainer{}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal("paused " + srv.Name()))
		st, err := srv.Container().State(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Paused).To(BeTrue())
		res := rdpLogin(ctx, srv.RDPAddr(), srv.Users()[0], 5*time.Second)
		Expect(res.Outcome).To(Equal(fakeclient.Info))
		Expect(res.Reason).To(Equal(fakeclient.ReasonTimeout))
		report("pause-container", "login while paused: %s/%s after phases %v", res.Outcome, res.Reason, res.Phases)

		Expect(f.Heal(ctx, srv)).To(Succeed())
		st, err = srv.Container().State(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Paused).To(BeFalse())
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[0], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
	}, SpecTimeout(2*time.Minute))
})
