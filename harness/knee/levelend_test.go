package knee

import (
	"slices"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// t0 is a level's start; at(s) is s seconds into it.
var t0 = time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// cyc is a session's workload cycle that ended s seconds into the level.
func cyc(user string, s int) harness.Response {
	return harness.Response{Time: at(s), Target: "t", User: user, Source: harness.ServerSide, Op: "cycle", Dur: 10 * time.Second}
}

func warm(user string, s int) harness.Response {
	r := cyc(user, s)
	r.Op = "warmup-cycle"
	return r
}

func key(user string, s int) harness.Response {
	return harness.Response{Time: at(s), Target: "t", User: user, Source: harness.ClientSide, Op: "keystroke", Dur: 40 * time.Millisecond}
}

func TestLevelEnd(t *testing.T) {
	server := LevelEnd{Min: 25 * time.Second, Max: 100 * time.Second, Source: harness.ServerSide}
	two := []string{"u1", "u2"}
	for _, tc := range []struct {
		name   string
		end    LevelEnd
		rs     []harness.Response
		users  []string
		now    int // seconds into the level
		done   bool
		capped bool
		short  []string
	}{
		{"before its least length a level never ends", server,
			[]harness.Response{warm("u1", -30), cyc("u1", 5), cyc("u1", 10), warm("u2", -20), cyc("u2", 3), cyc("u2", 8)}, two, 24, false, false, nil},
		{"a cycle that began before the level does not count", server,
			[]harness.Response{warm("u1", -30), cyc("u1", 30), warm("u2", -20), cyc("u2", 28)}, two, 40, false, false, nil},
		{"every session ran a cycle inside the level: it ends", server,
			[]harness.Response{warm("u1", -30), cyc("u1", 10), cyc("u1", 30), warm("u2", 5), cyc("u2", 35)}, two, 40, true, false, nil},
		{"a new session's warm-up is not a sample", server,
			[]harness.Response{cyc("u1", 2), cyc("u1", 20), warm("u2", 30)}, two, 60, false, false, nil},
		{"a failed cycle is a judged sample (an error of the level)", server,
			[]harness.Response{cyc("u1", 2), cyc("u1", 20), warm("u2", 5), func() harness.Response { r := cyc("u2", 40); r.Err = "close: timed out"; return r }()},
			two, 45, true, false, nil},
		{"a cycle after now is not seen yet", server,
			[]harness.Response{cyc("u1", 2), cyc("u1", 20), warm("u2", 5), cyc("u2", 50)}, two, 45, false, false, nil},
		{"at its cap the level ends short, naming who lacked a cycle", server,
			[]harness.Response{cyc("u1", 2), cyc("u1", 20), warm("u3", 80)}, []string{"u3", "u1", "u2"}, 100, true, true, []string{"u2", "u3"}},
		{"another target's cycles do not count", server,
			[]harness.Response{cyc("u1", 2), func() harness.Response { r := cyc("u1", 20); r.Target = "other"; return r }()}, []string{"u1"}, 100, true, true, []string{"u1"}},
		{"client side: one keystroke each inside the level", LevelEnd{Min: 25 * time.Second, Max: time.Minute, Source: harness.ClientSide},
			[]harness.Response{key("u1", -1), key("u1", 26), key("u2", 10)}, two, 27, true, false, nil},
		{"client side: a keystroke before the level does not count", LevelEnd{Min: 25 * time.Second, Max: time.Minute, Source: harness.ClientSide},
			[]harness.Response{key("u1", -1), key("u2", 10)}, two, 27, false, false, nil},
		{"two samples each asked", LevelEnd{Min: time.Second, Max: time.Minute, Source: harness.ClientSide, PerSession: 2},
			[]harness.Response{key("u1", 2), key("u1", 3), key("u2", 10)}, two, 60, true, true, []string{"u2"}},
		{"a total asked beyond one each: the level waits for it", LevelEnd{Min: time.Second, Max: time.Minute, Source: harness.ClientSide, Total: 4},
			[]harness.Response{key("u1", 2), key("u1", 3), key("u2", 10)}, two, 30, false, false, nil},
		{"a total asked beyond one each: reached", LevelEnd{Min: time.Second, Max: time.Minute, Source: harness.ClientSide, Total: 4},
			[]harness.Response{key("u1", 2), key("u1", 3), key("u2", 10), key("u2", 20)}, two, 30, true, false, nil},
		{"a total not reached by the cap: capped, no session short", LevelEnd{Min: time.Second, Max: time.Minute, Source: harness.ClientSide, Total: 4},
			[]harness.Response{key("u1", 2), key("u2", 10)}, two, 60, true, true, nil},
		{"nothing to wait for: the level lasts its least length", LevelEnd{Min: 25 * time.Second}, nil, two, 25, true, false, nil},
		{"no session held (every login failed): nothing to wait for", server, nil, nil, 25, true, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if errs := tc.end.Validate(); len(errs) > 0 {
				t.Fatal(errs)
			}
			st := tc.end.State(tc.rs, "t", tc.users, t0, at(tc.now))
			if st.Done != tc.done || st.Capped != tc.capped || !slices.Equal(st.Short, tc.short) {
				t.Fatalf("State = done %v capped %v short %v (samples %v); want %v %v %v",
					st.Done, st.Capped, st.Short, st.Samples, tc.done, tc.capped, tc.short)
			}
		})
	}
}

func TestLevelEndValidate(t *testing.T) {
	for _, tc := range []struct {
		end  LevelEnd
		want int
	}{
		{LevelEnd{Min: time.Second, Max: time.Second, Source: harness.ServerSide}, 0},
		{LevelEnd{Min: time.Second}, 0}, // no source: no cap needed
		{LevelEnd{}, 1},
		{LevelEnd{Min: time.Minute, Max: time.Second, Source: harness.ClientSide}, 1},
		{LevelEnd{Min: time.Second, Max: time.Minute, Source: "both", PerSession: -1}, 2},
		{LevelEnd{Min: time.Second, Max: time.Minute, Source: harness.ServerSide, Total: -1}, 1},
	} {
		if errs := tc.end.Validate(); len(errs) != tc.want {
			t.Errorf("%+v: %d problems %v, want %d", tc.end, len(errs), errs, tc.want)
		}
	}
}
