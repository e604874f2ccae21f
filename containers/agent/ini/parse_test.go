package ini

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f := Parse([]byte(sesman + "[Globals]\nListenPort=9999\n"))
	if len(f.Ignored) != 0 {
		t.Fatalf("ignored: %v", f.Ignored)
	}
	e, ok := f.Get("sessions", "maxsessions")
	if !ok || e.Value != "50" || e.Line != 12 {
		t.Fatalf("MaxSessions = %+v %v, want 50 at line 12", e, ok)
	}
	if _, ok := f.Get("Sessions", "Policy"); ok {
		t.Fatal("a commented key was read")
	}
	if e, _ := f.Get("Globals", "ListenPort"); e.Value != "3350" {
		t.Fatalf("second [Globals] was read (%+v): xrdp reads the first", e)
	}
	if s, _ := f.Section("Xvnc"); len(s.Entries) != 2 {
		t.Fatalf("[Xvnc] entries %+v", s.Entries)
	}
}

func TestParseLikeXrdp(t *testing.T) {
	f := Parse([]byte("stray=1\n[A]\nk = v ; note\nPolicy=UB#D\r\nbare\nk=w\n"))
	if len(f.Ignored) != 1 || f.Ignored[0].Line != 1 {
		t.Fatalf("ignored %v, want line 1 (outside a section)", f.Ignored)
	}
	if e, _ := f.Get("A", "k"); e.Value != "w" || e.Line != 6 {
		t.Fatalf("k = %+v, want the last line (w at 6)", e)
	}
	if e, _ := f.Get("A", "policy"); e.Value != "UB" {
		t.Fatalf("Policy = %q, want UB: '#' starts a comment anywhere", e.Value)
	}
	if e, ok := f.Get("A", "bare"); !ok || e.Value != "" {
		t.Fatalf("bare = %+v %v, want a key with an empty value", e, ok)
	}
}

func TestParseLimits(t *testing.T) {
	long := "[A]\nk=" + strings.Repeat("x", MaxLineBytes) + "\nafter=1\n"
	f := Parse([]byte(long))
	if len(f.Ignored) != 2 || f.Ignored[0].Line != 2 || f.Ignored[1].Line != 3 {
		t.Fatalf("ignored %v, want lines 2 and 3", f.Ignored)
	}
	if _, ok := f.Get("A", "after"); ok {
		t.Fatal("read past a line xrdp stops at")
	}
	big := "[A]\n" + strings.Repeat("; padding padding padding padding\n", MaxFileBytes/34+1) + "late=1\n"
	f = Parse([]byte(big))
	if _, ok := f.Get("A", "late"); ok || len(f.Ignored) == 0 {
		t.Fatalf("a key past 32 KiB was read (ignored %v)", f.Ignored)
	}
}
