package containers

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

//go:embed assets
var assets embed.FS

// Image is a built (or found) xrdp image.
type Image struct {
	Ref     string // repository:tag, the tag being the recipe's content hash
	Spec    ImageSpec
	Version string // upstream xrdp version in the image
	Flavour string
	Hash    string // content hash of everything that defines the image
	Size    int64  // bytes, as the engine reports
	Built   bool   // false when the image was already there
	// Took is how long Ensure spent (build or lookup).
	Took time.Duration
}

// Builder turns an ImageSpec into an image in the local engine, building
// only what is missing. It is safe for concurrent use, and concurrent
// processes on one machine take turns through lock files.
type Builder struct {
	docker     *client.Client
	cacheDir   string
	mirrors    Mirrors
	baseSource BaseSource
	catalog    Catalog
	logw       io.Writer
	agent      agentBinary

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// BuilderOption configures a Builder.
type BuilderOption func(*Builder) error

// WithCacheDir sets where downloads, build logs and lock files go (default
// $XDG_CACHE_HOME/xrdp-harness or ~/.cache/xrdp-harness).
func WithCacheDir(dir string) BuilderOption {
	return func(b *Builder) error {
		if dir == "" {
			return errors.New("cache dir is empty")
		}
		b.cacheDir = dir
		return nil
	}
}

// WithMirrors sets the Debian mirrors used by base images and packages.
func WithMirrors(m Mirrors) BuilderOption {
	return func(b *Builder) error { b.mirrors = m.withDefaults(); return nil }
}

// WithBaseSource chooses how base images are made (default BaseAuto).
func WithBaseSource(s BaseSource) BuilderOption {
	return func(b *Builder) error {
		switch s {
		case BaseAuto, BaseDebootstrap, BaseRegistry:
			b.baseSource = s
			return nil
		}
		return fmt.Errorf("base source %q: want auto, debootstrap or registry", s)
	}
}

// WithCatalog replaces the catalog of Debian-packaged versions.
func WithCatalog(c Catalog) BuilderOption {
	return func(b *Builder) error { b.catalog = c; return nil }
}

// WithBuildLog receives progress lines (build steps, which base source was
// used). Nil discards them.
func WithBuildLog(w io.Writer) BuilderOption {
	return func(b *Builder) error { b.logw = w; return nil }
}

// NewBuilder connects to the Docker engine from the environment.
func NewBuilder(opts ...BuilderOption) (*Builder, error) {
	b := &Builder{
		mirrors:    Mirrors{}.withDefaults(),
		baseSource: BaseAuto,
		catalog:    DefaultCatalog(),
		logw:       io.Discard,
		locks:      map[string]*sync.Mutex{},
		cacheDir:   DefaultCacheDir(),
	}
	for _, o := range opts {
		if err := o(b); err != nil {
			return nil, fmt.Errorf("containers: new builder: %w", err)
		}
	}
	if b.logw == nil {
		b.logw = io.Discard
	}
	if err := os.MkdirAll(b.cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("containers: new builder: %w", err)
	}
	docker, err := newDockerClient()
	if err != nil {
		return nil, err
	}
	b.docker = docker
	return b, nil
}

// DefaultCacheDir is the builder's cache dir unless WithCacheDir says
// otherwise: $XDG_CACHE_HOME/xrdp-harness or ~/.cache/xrdp-harness.
func DefaultCacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "xrdp-harness")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "xrdp-harness")
	}
	return filepath.Join(os.TempDir(), "xrdp-harness")
}

func newDockerClient() (*client.Client, error) {
	docker, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("containers: connect to docker: %w", err)
	}
	return docker, nil
}

// Close releases the engine connection.
func (b *Builder) Close() error { return b.docker.Close() }

// Catalog returns the builder's catalog.
func (b *Builder) Catalog() Catalog { return b.catalog }

// CacheDir is where downloads and build logs are kept.
func (b *Builder) CacheDir() string { return b.cacheDir }

func (b *Builder) logf(format string, args ...any) {
	fmt.Fprintf(b.logw, format+"\n", args...)
}

// Ensure returns the image for spec, building it (and its base) when the
// engine does not have it yet. A failed build tags nothing.
func (b *Builder) Ensure(ctx context.Context, spec ImageSpec) (Image, error) {
	start := time.Now()
	r, err := b.recipe(ctx, spec)
	if err != nil {
		return Image{}, err
	}
	img := Image{Ref: r.tag(), Spec: spec, Version: r.version, Flavour: r.flavour, Hash: r.hash()}
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
		b.logf("image %s: building xrdp %s (%s)", img.Ref, r.version, r.flavour)
		if err := b.build(ctx, r); err != nil {
			return img, err
		}
		img.Built = true
	}
	if info, err := b.docker.ImageInspect(ctx, img.Ref); err == nil {
		img.Size = info.Size
	}
	img.Took = time.Since(start)
	return img, nil
}

// recipe is everything that defines one image: its Dockerfile and build
// context. Its hash names the image.
type recipe struct {
	version, flavour string
	files            map[string][]byte // build context, Dockerfile included
	// tagOverride, when set, is the tag instead of an xrdp image's.
	tagOverride string
}

func (r recipe) hash() string {
	h := newHasher()
	h.field("version", r.version)
	h.field("flavour", r.flavour)
	names := make([]string, 0, len(r.files))
	for n := range r.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h.field(n, string(r.files[n]))
	}
	return h.sum()
}

func (r recipe) tag() string {
	if r.tagOverride != "" {
		return r.tagOverride
	}
	return "xrdp-harness/xrdp:" + r.version + "-" + r.flavour + "-" + r.hash()[:12]
}

// dockerfileData feeds the Dockerfile templates.
type dockerfileData struct {
	Version, Flavour, Base, Release string
	RuntimePackages, BuildPackages  string
	TarballSHA256                   string
	Autoreconf                      string
}

// Packages every image needs beside xrdp: the VNC server, an init that
// reaps orphans, and the tools the harness runs inside.
const commonPackages = "tigervnc-standalone-server xauth tini procps iproute2 ssl-cert openssl"

// Development packages pull in the run-time libraries too, whatever they are
// called in a suite (libssl3 or libssl3t64), so source images install the
// same list in both stages.
const sourceLibPackages = "libssl-dev libpam0g-dev libx11-dev libxfixes-dev libxrandr-dev libjpeg-dev"

const sourceToolPackages = "build-essential pkg-config autoconf automake libtool nasm patch ca-certificates"

// sourceSuite is the base of source builds: its toolchain builds every 0.9.x
// and 0.10.x release given -Wno-error=deprecated-declarations.
const sourceSuite = "bookworm"

func (b *Builder) recipe(ctx context.Context, spec ImageSpec) (recipe, error) {
	files := map[string][]byte{}
	for _, n := range []string{"entrypoint.sh", "startwm.sh", "reconnectwm.sh", "pam-xrdp-sesman"} {
		data, err := assets.ReadFile("assets/" + n)
		if err != nil {
			return recipe{}, fmt.Errorf("containers: read asset %s: %w", n, err)
		}
		files["harness/"+n] = data
	}
	d := dockerfileData{Version: spec.Version, Flavour: spec.Flavour()}
	var tmplName string
	var suiteRelease DebianRelease
	if spec.Source == nil {
		rel, err := b.catalog.Lookup(spec.Version)
		if err != nil {
			return recipe{}, err
		}
		suiteRelease = rel
		d.Release = rel.Release
		d.RuntimePackages = commonPackages
		tmplName = "Dockerfile.debian"
	} else {
		src := *spec.Source
		tb, err := loadTarball(ctx, src, spec.Version, b.cacheDir)
		if err != nil {
			return recipe{}, err
		}
		d.Version = tb.Version
		suiteRelease = DebianRelease{Suite: sourceSuite, Release: sourceSuite, Security: true}
		d.Release = sourceSuite
		d.TarballSHA256 = tb.SHA256
		d.RuntimePackages = commonPackages + " " + sourceLibPackages
		d.BuildPackages = sourceToolPackages + " " + sourceLibPackages
		if err := CheckBuildOptions(src); err != nil {
			return recipe{}, err
		}
		// Flags and CFLAGS reach configure as argv entries read from files
		// of the build context, never as Dockerfile or shell text.
		var flags bytes.Buffer
		for _, f := range src.ConfigureFlags {
			flags.WriteString(f + "\n")
		}
		files["src/configure-flags"] = flags.Bytes()
		files["src/cflags"] = []byte(strings.TrimSpace("-O2 -g -Wno-error=deprecated-declarations "+src.CFLAGS) + "\n")
		if src.Autoreconf {
			d.Autoreconf = "yes"
		}
		files["src/"+tarballFile] = tb.Data
		for i, p := range src.Patches {
			data, err := os.ReadFile(p)
			if err != nil {
				return recipe{}, fmt.Errorf("containers: read patch for xrdp %s: %w", tb.Version, err)
			}
			files[fmt.Sprintf("src/patches/%02d.patch", i)] = data
		}
		tmplName = "Dockerfile.source"
	}
	files["sources.list"] = []byte(suiteRelease.sourcesList(b.mirrors))
	// The base tag is only named here; it is made when the image is built.
	d.Base = b.baseTag(suiteRelease.Suite)
	t, err := template.ParseFS(assets, "assets/"+tmplName, "assets/common.tmpl")
	if err != nil {
		return recipe{}, fmt.Errorf("containers: parse %s: %w", tmplName, err)
	}
	var df bytes.Buffer
	if err := t.ExecuteTemplate(&df, tmplName, d); err != nil {
		return recipe{}, fmt.Errorf("containers: render %s: %w", tmplName, err)
	}
	files["Dockerfile"] = df.Bytes()
	files[".base-suite"] = []byte(suiteRelease.Suite)
	return recipe{version: d.Version, flavour: d.Flavour, files: files}, nil
}

// build runs the engine's build; on failure the error names the version, the
// step (from the "xrdp-harness-step:" markers of the Dockerfile) and the tail
// of the log, which is also kept on disk.
func (b *Builder) build(ctx context.Context, r recipe) error {
	// A layer on top of another harness image (a desktop) has no base.
	if suite, ok := r.files[".base-suite"]; ok {
		if _, err := b.ensureBase(ctx, string(suite)); err != nil {
			return err
		}
	}
	var ctxTar bytes.Buffer
	if err := writeTar(&ctxTar, r.files); err != nil {
		return fmt.Errorf("containers: build xrdp %s (%s): pack context: %w", r.version, r.flavour, err)
	}
	logPath := filepath.Join(b.cacheDir, "logs", strings.NewReplacer("/", "_", ":", "_").Replace(r.tag())+".log")
	logFile, err := createLog(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fail := func(step string, err error) error {
		return &BuildError{Version: r.version, Flavour: r.flavour, Step: step, Err: err,
			Tail: tailFile(logPath, 25), Log: logPath}
	}
	res, err := b.docker.ImageBuild(ctx, &ctxTar, client.ImageBuildOptions{
		Tags:        []string{r.tag()},
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{"io.xrdp-harness.recipe": r.hash()},
	})
	if err != nil {
		return fail("start", err)
	}
	defer res.Body.Close()
	step := "start"
	var buildErr error
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); err != nil {
			if err == io.EOF {
				break
			}
			return fail(step, fmt.Errorf("read build output: %w", err))
		}
		if msg.Stream != "" {
			io.WriteString(logFile, msg.Stream)
			for _, line := range strings.Split(msg.Stream, "\n") {
				if s, ok := strings.CutPrefix(line, "xrdp-harness-step: "); ok {
					step = strings.TrimSpace(s)
					b.logf("  xrdp %s (%s): %s", r.version, r.flavour, step)
				}
			}
		}
		if msg.Error != "" {
			io.WriteString(logFile, "ERROR: "+msg.Error+"\n")
			buildErr = errors.New(msg.Error)
		}
	}
	if buildErr != nil {
		return fail(step, buildErr)
	}
	if err := ctx.Err(); err != nil {
		return fail(step, err)
	}
	return nil
}

// BuildError is a failed image build.
type BuildError struct {
	Version, Flavour, Step string
	Err                    error
	Tail                   string // last lines of the build log
	Log                    string // path of the full log
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("containers: build xrdp %s (%s): step %s: %v\n--- log tail ---\n%s\n--- full log: %s",
		e.Version, e.Flavour, e.Step, e.Err, e.Tail, e.Log)
}

func (e *BuildError) Unwrap() error { return e.Err }

func (b *Builder) imageExists(ctx context.Context, ref string) (bool, error) {
	_, err := b.docker.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("containers: inspect image %s: %w", ref, err)
}

// lock serialises work on one image within this process (mutex) and across
// processes (flock on a file in the cache dir).
func (b *Builder) lock(ctx context.Context, name string) (func(), error) {
	b.mu.Lock()
	m, ok := b.locks[name]
	if !ok {
		m = &sync.Mutex{}
		b.locks[name] = m
	}
	b.mu.Unlock()
	m.Lock()
	dir := filepath.Join(b.cacheDir, "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		m.Unlock()
		return nil, fmt.Errorf("containers: lock %s: %w", name, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(name)+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		m.Unlock()
		return nil, fmt.Errorf("containers: lock %s: %w", name, err)
	}
	// Poll a non-blocking flock so that ctx can interrupt the wait.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			m.Unlock()
			return nil, fmt.Errorf("containers: lock %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			m.Unlock()
			return nil, fmt.Errorf("containers: wait for lock %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		m.Unlock()
	}, nil
}

func writeTar(w io.Writer, files map[string][]byte) error {
	tw := tar.NewWriter(w)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mode := int64(0o644)
		if strings.HasSuffix(n, ".sh") {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: mode, Size: int64(len(files[n])), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// hasher makes content hashes from named fields, unambiguously.
type hasher struct{ buf hash.Hash }

func newHasher() *hasher { return &hasher{buf: sha256.New()} }

func (h *hasher) field(name, value string) {
	fmt.Fprintf(h.buf, "%d:%s%d:%s", len(name), name, len(value), value)
}

func (h *hasher) sum() string   { return hex.EncodeToString(h.buf.Sum(nil)) }
func (h *hasher) short() string { return h.sum()[:12] }

func createLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("containers: create log: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("containers: create log: %w", err)
	}
	return f, nil
}

// tailFile returns the last n lines of a file.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Has reports whether the engine has an image of that reference.
func (b *Builder) Has(ctx context.Context, ref string) (bool, error) { return b.imageExists(ctx, ref) }
