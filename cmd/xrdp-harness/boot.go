package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// imageFlags are the flags that pick and build xrdp images.
type imageFlags struct {
	versions   listFlag
	patches    listFlag
	configure  listFlag
	cflags     string
	autoreconf bool
	base       string
	quiet      bool
	fresh      string
	noAPTCache bool
}

func (f *imageFlags) register(fs *pflag.FlagSet) {
	fs.Var(&f.versions, "version", "xrdp version to use, repeatable or comma-separated: 0.9.21.1 (Debian package), "+
		"0.9.22.1@/path/xrdp-0.9.22.1.tar.gz or 0.9.22.1@https://host/x.tar.gz#sha256=HEX (source build); default: the catalog's defaults")
	fs.Var(&f.patches, "patch", "patch file applied to source builds (repeatable)")
	fs.Var(&f.configure, "configure-flag", "extra ./configure flag for source builds (repeatable)")
	fs.StringVar(&f.cflags, "cflags", "", "extra CFLAGS for source builds")
	fs.BoolVar(&f.autoreconf, "autoreconf", false, "run ./bootstrap before configure (patches that touch configure.ac)")
	fs.StringVar(&f.base, "base", "auto", "how Debian base images are made: auto, debootstrap or registry")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print build progress")
	fs.StringVar(&f.fresh, "fresh-tags", "", "build every image again under new tags salted with this word (measures a cold build beside the cached images)")
	fs.BoolVar(&f.noAPTCache, "no-package-cache", false, "fetch every Debian package from the mirror (no cache in the cache dir)")
}

// specs resolves the version flags into image specs, with every error at once.
func (f *imageFlags) specs(cat containers.Catalog) ([]containers.ImageSpec, error) {
	versions := f.versions
	if len(versions) == 0 {
		versions = cat.Defaults
	}
	var specs []containers.ImageSpec
	var errs []error
	for _, v := range versions {
		spec, err := containers.ParseImageSpec(v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if spec.Source != nil {
			spec.Source.Patches = f.patches
			spec.Source.ConfigureFlags = f.configure
			spec.Source.CFLAGS = f.cflags
			spec.Source.Autoreconf = f.autoreconf
		} else if _, err := cat.Lookup(spec.Version); err != nil {
			errs = append(errs, err)
			continue
		}
		specs = append(specs, spec)
	}
	if len(specs) > 0 && (len(f.patches) > 0 || len(f.configure) > 0 || f.cflags != "") && !anySource(specs) {
		errs = append(errs, errors.New("--patch, --configure-flag and --cflags apply to source builds only; give a version as VERSION@TARBALL"))
	}
	return specs, errors.Join(errs...)
}

func anySource(specs []containers.ImageSpec) bool {
	for _, s := range specs {
		if s.Source != nil {
			return true
		}
	}
	return false
}

func (f *imageFlags) builder(stderr io.Writer) (*containers.Builder, error) {
	var logw io.Writer = stderr
	if f.quiet {
		logw = io.Discard
	}
	opts := []containers.BuilderOption{containers.WithBuildLog(logw), containers.WithBaseSource(containers.BaseSource(f.base)),
		containers.WithFreshTags(f.fresh)}
	if f.noAPTCache {
		opts = append(opts, containers.WithoutPackageCache())
	}
	return containers.NewBuilder(opts...)
}

func newImagesCmd() *cobra.Command {
	var f imageFlags
	cmd := &cobra.Command{
		Use:   "images [flags]",
		Short: "build (or find cached) xrdp images and print their sizes",
		Long: `Builds the image of each version, or finds it in the local engine by its
content hash, and prints its tag, size and build time.

Exit status: 0 when every image is there, 2 for bad input, 3 when a build
failed, 130 when interrupted.`,
		Example: `  xrdp-harness images
  xrdp-harness images --version 0.9.24 --version 0.10.1
  xrdp-harness images --version 0.9.22.1@/srv/xrdp-0.9.22.1.tar.gz --patch fix.patch`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return ensureImages(cmd.Context(), &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func ensureImages(ctx context.Context, f *imageFlags, stdout, stderr io.Writer) error {
	b, err := f.builder(stderr)
	if err != nil {
		return err
	}
	defer b.Close()
	specs, err := f.specs(b.Catalog())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFLAVOUR\tIMAGE\tSIZE\tOWN\tBUILT\tTOOK\tLAYERS BUILT")
	var errs []error
	for _, s := range specs {
		img, err := b.Ensure(ctx, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var built []string
		own := img.Size
		for _, l := range img.Layers {
			if l.Built {
				built = append(built, fmt.Sprintf("%s %s", l.Ref, l.Took.Round(time.Second)))
			}
			if l.Ref != img.Ref && strings.HasPrefix(l.Ref, "xrdp-harness/runtime:") {
				own = img.Size - l.Size
			}
		}
		if len(built) == 0 {
			built = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d MiB\t%d MiB\t%v\t%s\t%s\n", img.Version, img.Flavour, img.Ref, img.Size>>20, own>>20,
			img.Built, img.Took.Round(time.Millisecond), strings.Join(built, ", "))
	}
	tw.Flush()
	return errors.Join(errs...)
}

func newCleanCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "clean [--all]",
		Short: "remove containers and networks left behind by dead runs",
		Long: `Removes the containers and networks labelled by runs whose owner process is
gone. --all removes every labelled one, even those of live runs (other users'
runs on a shared engine included).

Exit status: 0 when everything found was removed, 2 for bad input, 3 when a
removal failed or Docker is unreachable.`,
		Example: `  xrdp-harness clean
  xrdp-harness clean --all`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			swept, err := containers.Sweep(cmd.Context(), all)
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d containers, %d networks\n", len(swept.Containers), len(swept.Networks))
			if n := len(swept.Failed); n > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "NOT removed: %d (%s)\n", n, strings.Join(swept.Failed, ", "))
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every labelled container and network, even those of live runs")
	return cmd
}

func newBootCmd() *cobra.Command {
	var f imageFlags
	var users int
	cmd := &cobra.Command{
		Use:   "boot [flags]",
		Short: "boot xrdp versions and print their health",
		Long: `Boots each version in a container (building its image when missing), checks
that RDP answers X.224 and TLS, that sesman authenticates over SCP (0.9.x) and
which xrdp processes run, prints a table and removes the containers.

Exit status: 0 when every version is healthy, 2 for bad input, 3 when one did
not build, boot or answer, 130 when interrupted.`,
		Example: `  xrdp-harness boot
  xrdp-harness boot --version 0.9.21.1 --version 0.10.1 --users 4`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bootAndReport(cmd.Context(), &f, users, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().IntVar(&users, "users", 2, "test users per container")
	return cmd
}

// health is what boot found about one version.
type health struct {
	spec            containers.ImageSpec
	img             containers.Image
	boot            time.Duration
	rdp, sesman     string
	processes       string
	err             error
	rdpOK, sesmanOK bool
}

func bootAndReport(ctx context.Context, f *imageFlags, users int, stdout, stderr io.Writer) error {
	b, err := f.builder(stderr)
	if err != nil {
		return err
	}
	defer b.Close()
	specs, err := f.specs(b.Catalog())
	if err != nil {
		return err
	}
	var results []health
	for _, s := range specs {
		if ctx.Err() != nil {
			break
		}
		results = append(results, checkHealth(ctx, b, s, users))
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tFLAVOUR\tIMAGE\tIMAGE-TIME\tBOOT\tRDP (X.224+TLS)\tSESMAN\tPROCESSES")
	var errs []error
	for _, h := range results {
		imgTime := "cached " + h.img.Took.Round(time.Millisecond).String()
		if h.img.Built {
			imgTime = "built " + h.img.Took.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.spec.Version, h.spec.Flavour(), h.img.Ref, imgTime,
			h.boot.Round(time.Millisecond), h.rdp, h.sesman, h.processes)
		if h.err != nil {
			errs = append(errs, fmt.Errorf("xrdp %s: %w", h.spec, h.err))
		}
	}
	tw.Flush()
	return errors.Join(errs...)
}

func checkHealth(ctx context.Context, b *containers.Builder, spec containers.ImageSpec, users int) health {
	h := health{spec: spec, rdp: "-", sesman: "-", processes: "-"}
	start := time.Now()
	opts := []containers.Option{containers.WithBuilder(b), containers.WithUsers(users)}
	if spec.Source != nil {
		opts = append(opts, containers.WithSource(*spec.Source))
	}
	srv, err := containers.Run(ctx, spec.Version, opts...)
	// Removal runs even when ctx was cancelled (Ctrl-C).
	defer func() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = srv.Terminate(tctx)
	}()
	if srv != nil {
		h.img = srv.Image()
	}
	if err != nil {
		h.err = err
		return h
	}
	h.boot = time.Since(start) - h.img.Took
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := containers.ProbeRDP(pctx, srv.RDPAddr()); err != nil {
		h.rdp, h.err = "FAIL: "+err.Error(), err
	} else {
		h.rdp, h.rdpOK = "ok "+srv.RDPAddr(), true
	}
	if addr := srv.SesmanAddr(); addr != "" {
		u := srv.Users()[0]
		if err := scp.Authenticate(pctx, addr, u.Name, u.Password); err != nil {
			h.sesman, h.err = "FAIL: "+err.Error(), errors.Join(h.err, err)
		} else {
			h.sesman, h.sesmanOK = "ok SCP v0 auth "+addr, true
		}
	} else {
		h.sesman, h.sesmanOK = "ok (UNIX socket)", true
	}
	if _, out, err := srv.Exec(pctx, "ps", "-eo", "comm="); err == nil {
		var names []string
		for _, n := range strings.Fields(out) {
			if strings.HasPrefix(n, "xrdp") && !strings.HasPrefix(n, "xrdp-harness") {
				names = append(names, n)
			}
		}
		h.processes = strings.Join(names, ",")
	}
	return h
}
