package containers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/testcontainers/testcontainers-go"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Paths of the operator's reconnect script and the harness's wrapper, which
// records the run (reconnect.log) and then runs the operator's script.
const (
	operatorReconnect = "/etc/xrdp-harness/operator/reconnectwm.sh"
	reconnectWrapper  = "/etc/xrdp-harness/reconnectwm.sh"
	harnessReconnect  = "/etc/xrdp/reconnectwm.sh"
)

// WithConfigDir lays the operator's own files (sesman.ini, xrdp.ini,
// startwm.sh, reconnectwm.sh, km-*.ini) down on /etc/xrdp before the
// harness's settings, which are layered on top; Server.Layered (and the
// Record's TargetInfo) lists what they changed. A line xrdp would not read is an error naming the file and
// the line.
func WithConfigDir(d *xrdpconf.Dir) Option {
	return func(c *config) error {
		if d == nil || len(d.Files) == 0 {
			return errors.New("config dir: no files")
		}
		var errs []error
		for _, f := range d.Files {
			if !f.IsIni() {
				continue
			}
			for _, p := range ini.Parse(f.Data).Ignored {
				errs = append(errs, fmt.Errorf("config %s/%s %s", d.Path, f.Name, p))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("xrdp would not read these lines: %w", err)
		}
		c.configDir = d
		return nil
	}
}

// checkOperator rejects combinations that leave the operator's files or
// the harness's needs unmet; called once every option is applied.
func (c config) checkOperator() error {
	if _, ok := c.configDir.File("startwm.sh"); ok && (c.desktop.Kind != "" && c.desktop.Kind != DesktopMinimal || c.workload != nil) {
		return errors.New("config dir: startwm.sh and a desktop or workload both choose what a session runs; give one of them")
	}
	return nil
}

// operatorFiles are the operator's files as the container gets them.
func (c config) operatorFiles() []testcontainers.ContainerFile {
	if c.configDir == nil {
		return nil
	}
	var out []testcontainers.ContainerFile
	for _, f := range c.configDir.Files {
		dst, mode := "/etc/xrdp/"+f.Name, int64(0o644)
		switch f.Name {
		case "startwm.sh":
			mode = 0o755
		case "reconnectwm.sh":
			dst, mode = operatorReconnect, 0o755
			wrapper := "#!/bin/sh\n# xrdp-harness: record this reconnect, then run the operator's script.\n" +
				harnessReconnect + "\nexec /bin/sh " + operatorReconnect + ` "$@"` + "\n"
			out = append(out, testcontainers.ContainerFile{Reader: strings.NewReader(wrapper), ContainerFilePath: reconnectWrapper, FileMode: 0o755})
		}
		out = append(out, testcontainers.ContainerFile{Reader: strings.NewReader(string(f.Data)), ContainerFilePath: dst, FileMode: mode})
	}
	return out
}

// reconnectScript is the ReconnectScript sesman runs.
func (c config) reconnectScript() string {
	if _, ok := c.configDir.File("reconnectwm.sh"); ok {
		return reconnectWrapper
	}
	return harnessReconnect
}

// layered reads the files the server runs with and lists how they differ
// from the operator's.
func (s *Server) layered(ctx context.Context) ([]harness.ConfigChange, error) {
	var out []harness.ConfigChange
	for _, f := range s.cfg.configDir.Files {
		switch {
		case f.IsIni():
			final, err := s.ReadFile(ctx, "/etc/xrdp/"+f.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, xrdpconf.Diff(f.Name, f.Data, []byte(final))...)
		case f.Name == "startwm.sh":
			out = append(out, s.startwmChange(ctx, f))
		case f.Name == "reconnectwm.sh":
			out = append(out, harness.ConfigChange{File: f.Name, Note: "sesman runs " + reconnectWrapper +
				", which records the reconnect (the harness's " + harnessReconnect + ") and then runs yours, unchanged, from " + operatorReconnect})
		}
	}
	return out, nil
}

// startwmChange says what became of the operator's startwm.sh: sesman
// starts each session with the DefaultWindowManager of the sesman.ini it
// runs (relative names are under /etc/xrdp; sesman/config.c at v0.9.21.1,
// sesman/libsesman/sesman_config.c at v0.10.1), so the note names it, and
// whether the file there is still the operator's.
func (s *Server) startwmChange(ctx context.Context, f xrdpconf.File) harness.ConfigChange {
	c := harness.ConfigChange{File: f.Name}
	wm := "startwm.sh"
	if final, err := s.ReadFile(ctx, "/etc/xrdp/sesman.ini"); err == nil {
		if e, ok := ini.Parse([]byte(final)).Get("Globals", "DefaultWindowManager"); ok && e.Value != "" {
			wm = e.Value
		}
	}
	got, err := s.ReadFile(ctx, "/etc/xrdp/startwm.sh")
	switch {
	case err != nil:
		c.Note = fmt.Sprintf("could not read it back (%v)", err)
	case got != string(f.Data):
		c.Note = "/etc/xrdp/startwm.sh is not yours: the image's file is in its place"
	case wm != "startwm.sh" && wm != "/etc/xrdp/startwm.sh":
		c.Note = fmt.Sprintf("yours, unchanged, at /etc/xrdp/startwm.sh; but sesman starts sessions with DefaultWindowManager=%s, not this file", wm)
	default:
		c.Note = "yours, unchanged: sesman starts every session with it (DefaultWindowManager=" + wm + "); the harness's desktop setting is not used"
	}
	return c
}

// operatorInt is key's integer value in the operator's file, if set there.
func (c config) operatorInt(file, section, key string) (int, bool) {
	v, ok := c.operatorValue(file, section, key)
	if !ok {
		return 0, false
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, false
	}
	return n, true
}

func (c config) operatorValue(file, section, key string) (string, bool) {
	f := c.configDir.Ini(file)
	if f == nil {
		return "", false
	}
	e, ok := f.Get(section, key)
	return e.Value, ok
}

// Layered lists what the harness changed in the operator's files (nil
// without WithConfigDir), read back from the running server.
func (s *Server) Layered() []harness.ConfigChange { return s.layers }
