package check

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// reconnectScript forks reconnectwm.sh under the main sesman at s; it exits
// at s+0.1 and is reaped `reap` seconds later (never when reap < 0).
func (b *builder) reconnectScript(s float64, pid int, reap float64) *builder {
	b.proc(s, pid, 10, "reconnectwm.sh", "/bin/sh /etc/xrdp/reconnectwm.sh").zombie(s+0.1, pid)
	if reap >= 0 {
		b.exit(s+0.1+reap, pid)
	}
	return b
}

func TestZombies(t *testing.T) {
	runCases(t, func(c Config) harness.Checker { return Zombies{Config: c} }, []checkCase{
		{name: "healthy: every script reaped at once", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).session(1, 100, 10).ticks(0, 60).end(60)
				for i := range 20 {
					b.reconnectScript(float64(2+2*i), 1000+i, 0.01)
				}
				return b
			},
			metrics: map[string]float64{"zombies_max": 1, "zombies_final": 0, "zombies_lasting": 0, "zombies_seen": 20}},
		{name: "0.9.17 defect: zombies pile up under main sesman", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().version("0.9.17").lab(0).session(1, 100, 10).ticks(0, 60).end(60)
				// One zombie at 5 s, then six more every 10 s: 25.
				pid := 1000
				for round := range 5 {
					for range 1 + 5*min(round, 1) {
						b.reconnectScript(float64(5+10*round), pid, -1)
						pid++
					}
				}
				return b
			},
			metrics: map[string]float64{"zombies_max": 25, "zombies_final": 25, "zombies_lasting": 25},
			mention: "[reconnectwm.sh] under main sesman ×25"},
		{name: "near miss: reaped after 4.9s", want: harness.Valid,
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 30).end(30).reconnectScript(5, 1000, 4.9)
			},
			metrics: map[string]float64{"zombies_lasting": 0, "zombies_max": 1}},
		{name: "reaped after 6s", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 30).end(30).reconnectScript(5, 1000, 6)
			},
			metrics: map[string]float64{"zombies_lasting": 1, "zombies_final": 0},
			mention: "pid 1000 [reconnectwm.sh] <defunct> under 10 (xrdp-sesman, main sesman)"},
		{name: "rotating zombies: each short, count never drops", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60)
				// From 20 s on a new zombie every second, each reaped after 3 s.
				for i := range 40 {
					b.reconnectScript(float64(19.9+float64(i)), 1000+i, 3)
				}
				return b
			},
			metrics: map[string]float64{"zombies_lasting": 0}, mention: "grew by"},
		{name: "near miss: one fresh zombie at the end", want: harness.Valid,
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 30).end(30).reconnectScript(27, 1000, -1)
			},
			metrics: map[string]float64{"zombies_final": 1, "zombies_lasting": 0}},
		{name: "zombie outlives the grace only inside a blind span", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 10).ticks(20, 30).end(30).reconnectScript(8, 1000, 9)
			},
			metrics: map[string]float64{"zombies_uncertain": 1}, mention: "unconfirmed"},
		{name: "blind span longer than the grace, no zombie", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 10).ticks(20, 30).end(30)
			},
			mention: "blind"},
		{name: "no ticks", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().lab(0).end(30).reconnectScript(5, 1000, -1)
			},
			mention: "no sampler ticks"},
		{name: "stopped sesman: zombies wait for heal", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).session(1, 100, 10).ticks(0, 60).end(60).fault("sigstop-sesman", 10, 30)
				return b.reconnectScript(12, 1000, 18.5)
			}},
		{name: "stopped sesman, strict", want: harness.Invalid, opts: []Option{WithStrictDuringFaults()},
			build: func() *builder {
				b := newBuilder().lab(0).session(1, 100, 10).ticks(0, 60).end(60).fault("sigstop-sesman", 10, 30)
				return b.reconnectScript(12, 1000, 18.5)
			}},
		{name: "stopped sesman: still defunct long after heal", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).fault("sigstop-sesman", 10, 30)
				return b.reconnectScript(12, 1000, 24)
			}},
		{name: "orphan reaped by tini after its parent died", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).session(1, 100, 10).ticks(0, 30).end(30)
				return b.exit(5, 103).zombie(5, 100).reparent(5.5, 103, 1).exit(5.6, 100)
			}},
		{name: "first snapshot lists a zombie before its parent", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().zombieProc(0, 900, 10, "reconnectwm.sh").lab(0)
				return b.ticks(0, 30).end(30)
			},
			mention: "pid 900 [reconnectwm.sh] <defunct> under 10 (xrdp-sesman, main sesman), defunct at least 30.0s and still at the end"},
		{name: "a longer custom grace", want: harness.Valid, opts: []Option{WithZombieGrace(10e9)},
			build: func() *builder {
				return newBuilder().lab(0).ticks(0, 30).end(30).reconnectScript(5, 1000, 6)
			}},
	})
}

// mentions reports whether a verdict's summary or evidence contains s.
func mentions(v harness.Verdict, s string) bool {
	if strings.Contains(v.Summary, s) {
		return true
	}
	for _, e := range v.Evidence {
		if strings.Contains(e.What, s) {
			return true
		}
	}
	return false
}

func TestZombiesPerTarget(t *testing.T) {
	b := newBuilder().lab(0).ticks(0, 30).end(30)
	b.on("t2").lab(0).ticks(0, 30).reconnectScript(2, 1000, -1)
	vs := Zombies{}.Check(b.record())
	if len(vs) != 2 || vs[0].Target != "t1" || vs[1].Target != "t2" {
		t.Fatalf("verdicts %+v", vs)
	}
	expect(t, vs[0], harness.Valid)
	expect(t, vs[1], harness.Invalid)
	for _, e := range vs[1].Evidence {
		if e.Target != "t2" {
			t.Errorf("evidence of t2 names target %q", e.Target)
		}
	}
	if got := (Zombies{}).Check(nil); len(got) != 1 || got[0].Valid != harness.Unknown {
		t.Errorf("nil record: %+v", got)
	}
}

func TestEvidenceCap(t *testing.T) {
	b := newBuilder().lab(0).ticks(0, 60).end(60)
	for i := range 30 {
		b.reconnectScript(1, 1000+i, -1)
	}
	cfg, _ := NewConfig(WithMaxEvidence(5))
	v := one(t, Zombies{Config: cfg}, b.record())
	// 30 lasting zombies and the growth item: 5 shown, 26 counted.
	if len(v.Evidence) != 6 || !strings.Contains(v.Evidence[5].What, "and 26 more") {
		t.Errorf("evidence not capped: %d items, last %+v", len(v.Evidence), v.Evidence[len(v.Evidence)-1])
	}
}
