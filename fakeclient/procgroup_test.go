package fakeclient_test

import (
	"os/exec"
	"strconv"
	"syscall"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// procGroup puts a child in its own process group so that killGroup ends it
// and everything it started (xvfb-run's Xvfb and xfreerdp).
func procGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}

func userOf(userPrefix, passPrefix string, i int) containers.User {
	return containers.User{Name: userPrefix + strconv.Itoa(i), Password: passPrefix + strconv.Itoa(i)}
}
