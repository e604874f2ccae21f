package containers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/template"
	"time"
)

// DesktopKind is what runs as each session's window manager.
type DesktopKind string

const (
	// DesktopMinimal is `exec sleep infinity`: a session that costs almost
	// nothing, for login storms.
	DesktopMinimal DesktopKind = "minimal"
	// DesktopXfce4 is Debian's Xfce (4.18 on bookworm) started with a
	// D-Bus session bus, with xfce4-terminal and mousepad.
	DesktopXfce4 DesktopKind = "xfce4"
	// DesktopCommand runs the caller's own command (through /bin/sh -c);
	// the session lives as long as it does.
	DesktopCommand DesktopKind = "command"
)

// Desktop is the session command of every session of a target.
type Desktop struct {
	Kind DesktopKind
	// Command is the shell command of DesktopCommand.
	Command string
}

// DesktopKinds lists the accepted kinds, for error messages and help.
func DesktopKinds() []string {
	return []string{string(DesktopMinimal), string(DesktopXfce4), string(DesktopCommand)}
}

// Validate names the problem and the fix.
func (d Desktop) Validate() error {
	switch d.Kind {
	case "", DesktopMinimal, DesktopXfce4:
		if d.Command != "" {
			return fmt.Errorf("desktop %q: a command is given too; use kind command to run your own session command", d.Kind)
		}
	case DesktopCommand:
		if strings.TrimSpace(d.Command) == "" || strings.ContainsAny(d.Command, "\n\r") {
			return fmt.Errorf("desktop command %q: want a one-line shell command that runs as long as the session should", d.Command)
		}
	default:
		return fmt.Errorf("desktop %q: unknown; one of %s", d.Kind, strings.Join(DesktopKinds(), ", "))
	}
	return nil
}

// Workload is the simulated user the agent runs inside each session (see
// cmd/xrdp-harness-agent workload).
type Workload struct {
	// Think is the pause between two operations (zero: 2s).
	Think time.Duration
}

// WithDesktop sets every session's desktop (default DesktopMinimal).
func WithDesktop(d Desktop) Option {
	return func(c *config) error {
		if err := d.Validate(); err != nil {
			return err
		}
		c.desktop = d
		return nil
	}
}

// WithWorkload runs the agent's workload inside each session as its user.
func WithWorkload(w Workload) Option {
	return func(c *config) error {
		if w.Think < 0 || w.Think > time.Hour {
			return fmt.Errorf("workload think time %v: want 0..1h", w.Think)
		}
		if w.Think == 0 {
			w.Think = 2 * time.Second
		}
		c.workload = &w
		return nil
	}
}

// desktopEnv is read by startwm.sh at every session start.
func (c config) desktopEnv() string {
	kind := c.desktop.Kind
	if kind == "" {
		kind = DesktopMinimal
	}
	env := fmt.Sprintf("XH_DESKTOP=%s\nXH_COMMAND='%s'\n", kind, strings.ReplaceAll(c.desktop.Command, "'", `'\''`))
	if c.workload != nil {
		env += fmt.Sprintf("XH_WORKLOAD='-think %s -out %s'\n", c.workload.Think, WorkloadLog)
	}
	return env
}

// WorkloadLog is where every session's workload appends its timed
// operations (one JSON line each); the sampler follows it.
const WorkloadLog = "/var/log/xrdp-harness/workload.log"

// xfce4Packages are Debian's Xfce core with a terminal and an editor,
// dbus-x11 for dbus-launch (a session bus, as a real session has), and
// the X tools the workload drives windows with.
var xfce4Packages = []string{
	"xfce4-session", "xfwm4", "xfce4-panel", "xfdesktop4", "xfce4-settings", "xfconf",
	"xfce4-terminal", "mousepad", "dbus-x11", "dbus", "at-spi2-core",
	"xdotool", "x11-utils", "x11-xserver-utils", "fonts-dejavu-core", "adwaita-icon-theme",
}

// desktopRecipe is the extra layer of a desktop on top of a flavour image:
// its own content hash (of the base image's hash and this Dockerfile) tags
// it, so base layers can change under it without a stale desktop.
func desktopRecipe(base Image, kind DesktopKind) (recipe, error) {
	if kind != DesktopXfce4 {
		return recipe{}, fmt.Errorf("containers: desktop %q needs no image layer", kind)
	}
	t, err := template.ParseFS(assets, "assets/Dockerfile.desktop")
	if err != nil {
		return recipe{}, fmt.Errorf("containers: parse Dockerfile.desktop: %w", err)
	}
	var df bytes.Buffer
	err = t.Execute(&df, map[string]string{"From": base.Ref, "Desktop": string(kind),
		"Packages": strings.Join(xfce4Packages, " "),
		"Check":    "xfce4-session xfwm4 xfce4-terminal mousepad dbus-launch xdotool xprop"})
	if err != nil {
		return recipe{}, fmt.Errorf("containers: render Dockerfile.desktop: %w", err)
	}
	return recipe{version: base.Version, flavour: base.Flavour + "-" + string(kind), files: map[string][]byte{
		"Dockerfile": df.Bytes(), ".from": []byte(base.Ref)}}, nil
}

// EnsureDesktop returns the desktop image of kind on top of base, building
// it when missing. DesktopMinimal and DesktopCommand return base itself.
func (b *Builder) EnsureDesktop(ctx context.Context, base Image, kind DesktopKind) (Image, error) {
	if kind != DesktopXfce4 {
		return base, nil
	}
	start := time.Now()
	r, err := desktopRecipe(base, kind)
	if err != nil {
		return base, err
	}
	img := base
	img.Ref, img.Flavour, img.Hash, img.Built = r.tag(), r.flavour, r.hash(), false
	unlock, err := b.lock(ctx, img.Ref)
	if err != nil {
		return img, err
	}
	defer unlock()
	ok, err := b.imageExists(ctx, img.Ref)
	if err != nil {
		return img, err
	}
	if !ok {
		b.logf("image %s: building the %s desktop on %s", img.Ref, kind, base.Ref)
		if err := b.build(ctx, r); err != nil {
			return img, err
		}
		img.Built = true
	}
	if info, err := b.docker.ImageInspect(ctx, img.Ref); err == nil {
		img.Size = info.Size
	}
	img.Took = base.Took + time.Since(start)
	return img, nil
}
