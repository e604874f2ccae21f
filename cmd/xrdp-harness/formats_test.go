package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/reports"
)

// Every report format of reports.FormatTable is offered by `run --help`,
// accepted by --format (name and aliases) and written to its file.
var _ = Describe("report formats", func() {
	cmd := newRunCmd()
	for _, fm := range reports.FormatTable() {
		It("offers and accepts "+fm.Name, func() {
			Expect(cmd.Flags().Lookup("format").Usage).To(ContainSubstring(fm.Name))
			Expect(cmd.Flags().Lookup("out").Usage).To(ContainSubstring("report" + fm.Ext))
			for _, name := range append([]string{fm.Name}, fm.Aliases...) {
				f := runFlags{out: "out", tty: "auto", parallel: 1, formats: listFlag{name}}
				_, err := f.resolve()
				Expect(err).NotTo(HaveOccurred(), name)
			}
		})
	}
	It("rejects an unknown format naming the known ones", func() {
		f := runFlags{out: "out", tty: "auto", parallel: 1, formats: listFlag{"pdf"}}
		_, err := f.resolve()
		Expect(err).To(MatchError(And(ContainSubstring(`"pdf"`), ContainSubstring(reports.Formats()[0]))))
	})
})
