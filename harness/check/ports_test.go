package check

import (
	"fmt"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestPorts(t *testing.T) {
	healthy := func() *builder { return newBuilder().lab(0).ticks(0, 60).end(60) }
	// squat: a process listening on port from s.
	squat := func(b *builder, s float64, pid, port int) *builder {
		return b.proc(s, pid, 1, "python3", fmt.Sprintf("python3 -m http.server %d", port)).listen(s, port, pid)
	}
	runCases(t, func(c Config) harness.Checker { return Ports{Config: c} }, []checkCase{
		{name: "near miss: each display on its own port", want: harness.Valid,
			build:   func() *builder { return healthy().session(1, 100, 10).session(2, 200, 11) },
			metrics: map[string]float64{"xvnc_seen": 2, "port_conflicts": 0}},
		{name: "near miss: a display handed over between two Xvnc", want: harness.Valid,
			build: func() *builder {
				b := healthy().session(1, 100, 10)
				// The old Xvnc's socket is seen closing after the new one started.
				b.exit(20, 103).exit(20, 101).exit(20, 102).exit(20, 100)
				b.proc(20.1, 300, 10, "xrdp-sesman", "xrdp-sesman").proc(20.1, 301, 300, "Xvnc", "Xvnc :10")
				return b.unlisten(20.2, 5910).listen(20.3, 5910, 301)
			}},
		// Inside a container root cannot read the fds of the users' Xvnc
		// (no CAP_SYS_PTRACE), so their listeners come with pid 0: the
		// same handover, with the old socket seen closing after the new
		// Xvnc started and the new one's socket after that.
		{name: "near miss: a display handed over, owners unknown", want: harness.Valid,
			build: func() *builder {
				b := healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :10").
					listen(1.2, 5910, 0)
				b.exit(20, 101).exit(20, 100)
				b.proc(20.1, 300, 10, "xrdp-sesman", "xrdp-sesman").proc(20.1, 301, 300, "Xvnc", "Xvnc :10")
				return b.unlisten(20.4, 5910).listen(20.5, 5910, 0)
			},
			metrics: map[string]float64{"port_conflicts": 0, "listens_unattributed": 2}},
		{name: "owners unknown: the old socket outlives the new Xvnc's grace", want: harness.Invalid,
			build: func() *builder {
				b := healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :10").
					listen(1.2, 5910, 0)
				b.exit(20, 100)
				b.proc(20.1, 300, 10, "xrdp-sesman", "xrdp-sesman").proc(20.1, 301, 300, "Xvnc", "Xvnc :10")
				return b.unlisten(40, 5910).listen(40.1, 5910, 0)
			},
			metrics: map[string]float64{"port_conflicts": 1}},
		{name: "high display: squatter on 6018, Xvnc :118 dies at once", want: harness.Invalid,
			build: func() *builder {
				b := squat(healthy(), 5, 77, 6018)
				return b.proc(10, 500, 10, "xrdp-sesman", "xrdp-sesman").
					proc(10, 501, 500, "Xvnc", "Xvnc :118 -nolisten tcp").exit(10.05, 501)
			},
			mention: "VNC port 6018 of Xvnc :118 (pid 501) held by pid 77 (python3: python3 -m http.server 6018)"},
		{name: "high display: Xvnc never sampled, sesman timed out", want: harness.Invalid,
			build: func() *builder {
				b := squat(healthy(), 5, 77, 6018)
				return b.sesmanLog(21, "Timed out waiting for X server on display 118 to startup")
			},
			mention: "sesman timed out waiting for X server on display 118 while port 6018 was held by pid 77"},
		{name: "near miss: squatter on 5918, sesman moves to display 19", want: harness.Valid,
			build: func() *builder {
				b := squat(healthy(), 5, 77, 5918)
				return b.sesmanLog(10, "Found X server running at 5918").session(10, 100, 19)
			}},
		{name: "X11 TCP listener of display 18 on 6018", want: harness.Invalid,
			build: func() *builder {
				b := healthy()
				b.proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :18 -listen tcp").
					listen(1.2, 5918, 101).listen(1.2, 6018, 101)
				return b.proc(5, 200, 10, "xrdp-sesman", "xrdp-sesman").proc(5, 201, 200, "Xvnc", "Xvnc :118").exit(5.1, 201)
			},
			mention: "the X11 TCP port of display :18"},
		{name: "latent overlap is a note", want: harness.Valid,
			build:   func() *builder { return healthy().session(1, 100, 18).session(2, 200, 118) },
			metrics: map[string]float64{"x11_overlaps": 1}},
		{name: "latent overlap, strict", want: harness.Invalid, opts: []Option{WithX11OverlapInvalid()},
			build: func() *builder { return healthy().session(1, 100, 18).session(2, 200, 118) }},
		{name: "Xvnc that never listens", want: harness.Invalid,
			build: func() *builder {
				return healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :10")
			},
			metrics: map[string]float64{"xvnc_never_listened": 1}},
		{name: "near miss: Xvnc killed at start-up", want: harness.Valid,
			build: func() *builder {
				return healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :10").
					exit(2, 101)
			},
			metrics: map[string]float64{"xvnc_short_unlistened": 1}},
		{name: "owners unknown: own socket right at start is fine", want: harness.Valid,
			build: func() *builder {
				b := healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "Xvnc :10")
				return b.listen(1.5, 5910, 0)
			},
			metrics: map[string]float64{"listens_unattributed": 1}},
		{name: "owners unknown: a socket there long before is a squatter", want: harness.Invalid,
			build: func() *builder {
				b := healthy().listen(2, 6018, 0)
				return b.proc(10, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(10, 101, 100, "Xvnc", "Xvnc :118")
			},
			mention: "held by a listener of unknown pid"},
		{name: "Xvnc of unknown display named by its own listener", want: harness.Valid,
			build: func() *builder {
				b := healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "")
				return b.listen(1.5, 5912, 101)
			},
			metrics: map[string]float64{"xvnc_unknown_display": 0, "xvnc_seen": 1}},
		{name: "near miss: Xvnc of unknown display too short to listen", want: harness.Valid,
			build: func() *builder {
				return healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "").exit(1.2, 101)
			},
			metrics: map[string]float64{"xvnc_unknown_display": 0, "xvnc_short_unlistened": 1}},
		{name: "Xvnc of unknown display that never listens", want: harness.Unknown,
			build: func() *builder {
				return healthy().proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").proc(1, 101, 100, "Xvnc", "")
			},
			metrics: map[string]float64{"xvnc_unknown_display": 1}},
		{name: "sampler reports no sockets", want: harness.Unknown,
			build: func() *builder {
				b := newBuilder().ticks(0, 60).end(60)
				return b.proc(0, 10, 1, "xrdp-sesman", "xrdp-sesman").proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").
					proc(1, 101, 100, "Xvnc", "Xvnc :10")
			}},
	})
}
