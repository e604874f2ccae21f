package containers_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

var _ = Describe("Installed defaults", Label("docker"), func() {
	It("reads /etc/xrdp/*.ini from the image once and caches them by image tag", func(ctx SpecContext) {
		spec, err := containers.ParseImageSpec("0.10.1")
		Expect(err).NotTo(HaveOccurred())
		img, err := builder.Ensure(ctx, spec)
		Expect(err).NotTo(HaveOccurred())
		files, err := builder.Defaults(ctx, img)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveKey("sesman.ini"))
		Expect(files).To(HaveKey("xrdp.ini"))
		// The packaged file, not the harness's run-time edits.
		Expect(string(files["sesman.ini"])).To(ContainSubstring("#MaxDisplayNumber=63"))
		Expect(string(files["xrdp.ini"])).NotTo(ContainSubstring("autorun=Xvnc"))
		cached := filepath.Join(builder.CacheDir(), "defaults", strings.NewReplacer("/", "_", ":", "_").Replace(img.Ref), "sesman.ini")
		b, err := os.ReadFile(cached)
		Expect(err).NotTo(HaveOccurred())
		Expect(b).To(Equal(files["sesman.ini"]))
		again, err := builder.Defaults(ctx, img)
		Expect(err).NotTo(HaveOccurred())
		Expect(again).To(Equal(files))
	})
})
