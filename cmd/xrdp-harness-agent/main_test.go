package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"ini-set", "/x", "A"}, "4 arguments, got 2"},
		{[]string{"sample", "-interval", "1ms"}, "below 10ms"},
		{[]string{"sample", "extra"}, "takes no arguments"},
		{[]string{"sample", "-log", "nopath"}, "want SOURCE=PATH"},
		{[]string{"rfb-probe"}, "exactly one ADDR"},
		{[]string{"rfb-probe", "127.0.0.1:5910", "-password-guid", "xyz"}, "not 32 hex characters"},
		{[]string{"rfb-probe", "127.0.0.1:5910", "-password", "a", "-password-guid", "00"}, "not both"},
		{[]string{"listen"}, "exactly one ADDR"},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestIniCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sesman.ini")
	os.WriteFile(path, []byte("[Globals]\nListenPort=3350\n\n[Xvnc]\nparam=Xvnc\n"), 0o644)
	if code, _, stderr := runCmd(t, "ini-set", path, "Globals", "ListenPort", "3351"); code != 0 {
		t.Fatalf("ini-set: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "ini-add", path, "Xvnc", "param", "-localhost"); code != 0 {
		t.Fatalf("ini-add: %d %s", code, stderr)
	}
	b, _ := os.ReadFile(path)
	if want := "[Globals]\nListenPort=3351\n\n[Xvnc]\nparam=Xvnc\nparam=-localhost\n"; string(b) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", b, want)
	}
	missing := filepath.Join(t.TempDir(), "xrdp.ini")
	code, _, stderr := runCmd(t, "ini-set", missing, "Globals", "port", "3389")
	if code != 1 || !strings.Contains(stderr, missing) {
		t.Fatalf("ini-set on a missing file: %d %q, want 1 and the file named", code, stderr)
	}
}

func TestSampleOnce(t *testing.T) {
	code, out, stderr := runCmd(t, "sample", "-once", "-root", "../../containers/agent/sampler/testdata/proc")
	if code != 0 {
		t.Fatalf("sample -once: %d %s", code, stderr)
	}
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		ev, err := agent.Decode([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ev.Hello != nil:
			kinds["hello"]++
		case ev.Tick != nil:
			kinds["tick"]++
		case ev.Proc != nil:
			kinds[string(ev.Proc.Kind)]++
		}
	}
	want := map[string]int{"hello": 1, "start": 8, "listen": 4, "tick": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Fatalf("kinds = %v, want %v", kinds, want)
		}
	}
}

func TestListen(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"listen", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Listening string }
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("listen printed %q: %v", line, err)
	}
	c, err := net.DialTimeout("tcp", got.Listening, 5*time.Second)
	if err != nil {
		t.Fatalf("dial the squatter: %v", err)
	}
	c.Close()
	cancel()
	go io.Copy(io.Discard, pr)
	if code := <-done; code != 0 {
		t.Fatalf("listen exited %d after cancel", code)
	}
}

// TestStaysSmall: the agent links only the standard library and this
// module's stdlib-only packages (no harness engine, no Docker client), so
// it stays a small static binary.
func TestStaysSmall(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/xrdp-harness/xrdp-harness/cmd/xrdp-harness-agent":   true,
		"github.com/xrdp-harness/xrdp-harness/containers/agent/sampler": true,
		"github.com/xrdp-harness/xrdp-harness/containers/agent/ini":     true,
		"github.com/xrdp-harness/xrdp-harness/fakeclient/rfb":           true,
		"github.com/xrdp-harness/xrdp-harness/fakeclient/scp":           true,
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("the agent depends on %s", p)
		}
	}
}
