package main

// Exit statuses, as k6 gives one per cause.
const (
	exitOK          = 0
	exitInvalid     = 1   // a run is not as expected
	exitBadInput    = 2   // flags, versions or files are wrong; nothing was started
	exitCouldNotRun = 3   // Docker down, a build failed, a verdict is unknown
	exitInterrupted = 130 // SIGINT, SIGTERM or SIGHUP (128+SIGINT, as shells report it)
)

// exitStatusHelp is the exit status table of --help and the README.
const exitStatusHelp = `Exit status:
  0    every judged run is as expected: valid, or, on the FROM side of a
       comparison, showing the defect the upgrade fixes
  1    a run is not as expected: invalid on a version that must be valid,
       or a FROM side on which no scenario showed the defect
  2    bad input: flags, versions, scenario files (nothing was started)
  3    the harness could not run or judge: Docker unreachable, an image
       did not build, a verdict is unknown (1 wins when both apply)
  130  interrupted (SIGINT, SIGTERM or SIGHUP); the partial report is kept`

// exitCode carries an exit status with its error.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string { return e.err.Error() }
func (e exitCode) Unwrap() error { return e.err }
func (e exitCode) ExitCode() int { return e.code }

// badInput marks errors in flags or files: exit status 2.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return exitCode{exitBadInput, err}
}
