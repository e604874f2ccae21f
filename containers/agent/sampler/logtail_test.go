package sampler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func logTexts(t *testing.T, s *Sampler) []string {
	t.Helper()
	var out []string
	for _, ev := range decodeAll(t, s) {
		switch {
		case ev.Log != nil:
			out = append(out, string(ev.Log.Source)+": "+ev.Log.Text)
		case ev.Warn != nil:
			out = append(out, "warn: "+ev.Warn.Text)
		default:
			t.Fatalf("unexpected event %+v", ev)
		}
	}
	return out
}

func expectLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestTail(t *testing.T) {
	s, err := New(Options{Root: newFakeProc(t).root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "xrdp-sesman.log")
	appendFile(t, path, "old line before the agent started\n")

	tl := newTail("sesman", path, false)
	defer tl.close()
	poll := func() []string { tl.poll(t0, s); return logTexts(t, s) }

	expectLines(t, poll()) // starts at the end

	appendFile(t, path, "[INFO ] ++ created session\n[INFO ] half")
	expectLines(t, poll(), "sesman: [INFO ] ++ created session")
	appendFile(t, path, " a line\r\n\n")
	expectLines(t, poll(), "sesman: [INFO ] half a line", "sesman: ")

	// copytruncate: the file shrinks in place.
	if err := os.WriteFile(path, []byte("after truncate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expectLines(t, poll(), "sesman: after truncate")

	// Rotation: the old file is renamed (a last line lands in it first),
	// a new one is created.
	appendFile(t, path, "last words of the old file\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "first line of the new file\n")
	expectLines(t, poll(), "sesman: last words of the old file", "sesman: first line of the new file")
	appendFile(t, path, "more\n")
	expectLines(t, poll(), "sesman: more")

	// Removed: nothing to read, no noise; it comes back: read from its start.
	os.Remove(path)
	expectLines(t, poll())
	appendFile(t, path, "back again\n")
	expectLines(t, poll(), "sesman: back again")
}

func TestTailFromStartAndLateFile(t *testing.T) {
	s, err := New(Options{Root: newFakeProc(t).root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	early := filepath.Join(dir, "xrdp.log")
	appendFile(t, early, "one\ntwo\n")
	late := filepath.Join(dir, "late.log")

	a := newTail("xrdp", early, true)
	b := newTail("reconnect", late, false)
	defer a.close()
	defer b.close()
	a.poll(t0, s)
	b.poll(t0, s)
	expectLines(t, logTexts(t, s), "xrdp: one", "xrdp: two")

	// A file that appears after the start is read from its beginning.
	appendFile(t, late, "display 10 reconnected\n")
	b.poll(t0, s)
	expectLines(t, logTexts(t, s), "reconnect: display 10 reconnected")
}

func TestTailUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	s, _ := New(Options{Root: newFakeProc(t).root})
	defer s.Close()
	path := filepath.Join(t.TempDir(), "secret.log")
	os.WriteFile(path, []byte("x\n"), 0)
	tl := newTail("sesman", path, true)
	tl.poll(t0, s)
	tl.poll(t0, s)
	got := logTexts(t, s)
	if len(got) != 1 || !strings.Contains(got[0], "permission denied") {
		t.Fatalf("want one warning, got %q", got)
	}
}
