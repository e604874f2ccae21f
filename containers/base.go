package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// BaseSource says how Debian base images are made.
type BaseSource string

const (
	// BaseAuto debootstraps when it can (root and debootstrap present), and
	// otherwise pulls the official Debian image.
	BaseAuto BaseSource = "auto"
	// BaseDebootstrap runs debootstrap into a folder and imports it: works
	// with no image registry at all.
	BaseDebootstrap BaseSource = "debootstrap"
	// BaseRegistry pulls debian:<suite>-slim from the configured registry.
	BaseRegistry BaseSource = "registry"
)

// baseRecipe is bumped when the way base images are made changes.
const baseRecipe = "minbase-v1"

// baseTag names the base image of a suite by what defines it.
func (b *Builder) baseTag(suite string) string {
	h := newHasher()
	h.field("recipe", baseRecipe)
	h.field("suite", suite)
	h.field("mirror", b.mirrors.Debian)
	if b.salt != "" {
		h.field("salt", b.salt)
	}
	return "xrdp-harness/base:" + suite + "-" + h.short()
}

// ensureBase returns the tag of the suite's base image, making it when it is
// missing.
func (b *Builder) ensureBase(ctx context.Context, suite string) (string, error) {
	tag := b.baseTag(suite)
	unlock, err := b.lock(ctx, tag)
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := b.imageExists(ctx, tag); err != nil || ok {
		return tag, err
	}
	src := b.baseSource
	if src == BaseAuto || src == "" {
		src = BaseRegistry
		if _, err := exec.LookPath("debootstrap"); err == nil && os.Geteuid() == 0 {
			src = BaseDebootstrap
		}
	}
	b.logf("base image %s: making it with %s", tag, src)
	switch src {
	case BaseDebootstrap:
		err = b.debootstrap(ctx, suite, tag)
	case BaseRegistry:
		err = b.pullBase(ctx, suite, tag)
	default:
		err = fmt.Errorf("unknown base source %q (want auto, debootstrap or registry)", src)
	}
	if err != nil {
		return "", fmt.Errorf("containers: make base image for %s: %w", suite, err)
	}
	return tag, nil
}

func (b *Builder) debootstrap(ctx context.Context, suite, tag string) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is not installed: run `make deps` (apt-get install debootstrap) or use the registry base")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("debootstrap needs root: run as root or use the registry base (-base registry)")
	}
	work, err := os.MkdirTemp(b.cacheDir, "rootfs-"+suite+"-")
	if err != nil {
		return fmt.Errorf("create rootfs folder: %w", err)
	}
	defer os.RemoveAll(work)
	rootfs := filepath.Join(work, "rootfs")
	logPath := filepath.Join(b.cacheDir, "logs", strings.ReplaceAll(tag, "/", "_")+".log")
	logFile, err := createLog(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := gracefulCommand(ctx, "debootstrap", "--variant=minbase", suite, rootfs, b.mirrors.Debian)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if env := b.packageCache(ctx).env(); env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("step debootstrap: %w; log tail:\n%s\nfull log: %s", err, tailFile(logPath, 15), logPath)
	}
	// Stream the tree straight into the engine: tar keeps devices, links
	// and owners as debootstrap made them.
	tarCmd := gracefulCommand(ctx, "tar", "--numeric-owner", "-C", rootfs, "-c", ".")
	var tarErr bytes.Buffer
	tarCmd.Stderr = &tarErr
	out, err := tarCmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("step import: %w", err)
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("step import: start tar: %w", err)
	}
	res, importErr := b.docker.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, tag,
		client.ImageImportOptions{Changes: []string{`CMD ["/bin/bash"]`}})
	if importErr == nil {
		_, importErr = io.Copy(io.Discard, res)
		res.Close()
	}
	waitErr := tarCmd.Wait()
	if importErr != nil {
		return fmt.Errorf("step import: %w", importErr)
	}
	if waitErr != nil {
		return fmt.Errorf("step import: tar: %w: %s", waitErr, tarErr.String())
	}
	return nil
}

func (b *Builder) pullBase(ctx context.Context, suite, tag string) error {
	ref := "docker.io/library/debian:" + suite + "-slim"
	rc, err := b.docker.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return fmt.Errorf("pull %s: %w (no registry? install debootstrap and run as root to build the base offline)", ref, err)
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	if _, err := b.docker.ImageTag(ctx, client.ImageTagOptions{Source: ref, Target: tag}); err != nil {
		return fmt.Errorf("tag %s as %s: %w", ref, tag, err)
	}
	return nil
}

// termGrace is how long a cancelled child gets between SIGTERM and SIGKILL.
const termGrace = 20 * time.Second

// gracefulCommand is exec.CommandContext that, when ctx ends, sends SIGTERM
// first and SIGKILL only termGrace later: debootstrap's traps then unmount
// the proc and sys it mounted inside the rootfs before the folder is
// removed.
func gracefulCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = termGrace
	return cmd
}
