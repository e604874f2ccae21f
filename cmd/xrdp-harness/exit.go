package main

// exitStatusHelp is the exit status table of --help and the README.
const exitStatusHelp = `Exit status:
  0    every judged run is as expected (the FROM side of a comparison may fail)
  1    a run is invalid or unknown, or an image did not build
  2    bad input: flags, versions, scenario files (nothing was started)
  130  interrupted (SIGINT or SIGTERM); the partial report is kept`

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
	return exitCode{2, err}
}
