package containers

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestOwnerAlive(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	me, _ := os.Hostname()
	future, past := strconv.FormatInt(now.Add(time.Hour).Unix(), 10), strconv.FormatInt(now.Add(-time.Second).Unix(), 10)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		alive  bool
	}{
		{"this process, lease running", map[string]string{LabelOwner: OwnerLabel(), LabelLease: future}, true},
		{"this process, lease expired", map[string]string{LabelOwner: OwnerLabel(), LabelLease: past}, false},
		{"a dead pid here", map[string]string{LabelOwner: me + ":999999999", LabelLease: future}, false},
		// A CI job killed on another host: swept once its lease ends.
		{"another host, lease running", map[string]string{LabelOwner: "ci-runner-7:42", LabelLease: future}, true},
		{"another host, lease expired", map[string]string{LabelOwner: "ci-runner-7:42", LabelLease: past}, false},
		{"another host, no lease (older harness)", map[string]string{LabelOwner: "ci-runner-7:42"}, true},
		{"unreadable lease", map[string]string{LabelOwner: OwnerLabel(), LabelLease: "soon"}, false},
	} {
		if got := ownerAlive(tc.labels, now); got != tc.alive {
			t.Errorf("%s: alive %v, want %v", tc.name, got, tc.alive)
		}
	}
	l := ownerLabels(0)
	if until, _ := strconv.ParseInt(l[LabelLease], 10, 64); time.Until(time.Unix(until, 0)) < DefaultLease-time.Minute {
		t.Errorf("lease label %q", l[LabelLease])
	}
}

func TestRandomPasswordPerContainer(t *testing.T) {
	a, b := randomPassword(), randomPassword()
	if a == b || len(a) != 32 || a == "xrdp-harness" {
		t.Fatalf("passwords %q %q", a, b)
	}
	if c := defaultConfig(); c.password != "" {
		t.Fatalf("default config carries a fixed password %q", c.password)
	}
}

// A cancelled child gets SIGTERM first, so its traps run (debootstrap
// unmounts what it mounted in the rootfs).
func TestGracefulCommandSendsSIGTERMFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	marker := filepath.Join(t.TempDir(), "trapped")
	cmd := gracefulCommand(ctx, "sh", "-c", `trap 'echo term > `+marker+`; exit 0' TERM; echo up; while :; do sleep 0.05; done`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(out, buf); err != nil { // the trap is set
		t.Fatal(err)
	}
	cancel()
	_ = cmd.Wait()
	if b, err := os.ReadFile(marker); err != nil || string(b) != "term\n" {
		t.Fatalf("the child's TERM trap did not run: %q %v", b, err)
	}
}
