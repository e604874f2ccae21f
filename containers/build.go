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
	// Layers are the images Ensure needed, in build order, this one last.
	Layers []Layer
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
	// runtimePackages are added to every suite's runtime base.
	runtimePackages []string
	noPackageCache  bool
	salt            string
	apt             aptCacheOnce
	slot            chan struct{}

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
		slot:       make(chan struct{}, 2),
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
func (b *Builder) Close() error {
	var err error
	if b.apt.cache != nil {
		err = b.apt.cache.Close()
	}
	return errors.Join(err, b.docker.Close())
}

// Catalog returns the builder's catalog.
func (b *Builder) Catalog() Catalog { return b.catalog }

// CacheDir is where downloads and build logs are kept.
func (b *Builder) CacheDir() string { return b.cacheDir }

func (b *Builder) logf(format string, args ...any) {
	fmt.Fprintf(b.logw, format+"\n", args...)
}

// Ensure returns the image for spec, building it (and the layers it is
// built on) when the engine does not have it yet. A failed build tags
// nothing.
func (b *Builder) Ensure(ctx context.Context, spec ImageSpec) (Image, error) {
	start := time.Now()
	r, err := b.recipe(ctx, spec)
	if err != nil {
		return Image{}, err
	}
	img := Image{Ref: r.tag(), Spec: spec, Version: r.version, Flavour: r.flavour, Hash: r.hash()}
	layers, err := b.ensureRecipe(ctx, r)
	img.Layers = layers
	if err != nil {
		return img, err
	}
	for _, l := range layers {
		if l.Ref == img.Ref {
			img.Built, img.Size = l.Built, l.Size
		}
	}
	img.Took = time.Since(start)
	return img, nil
}

// Layer is one image Ensure needed: the xrdp image itself or one it is
// built on (runtime base, build dependencies).
type Layer struct {
	Ref   string
	Built bool          // false when the engine had it
	Took  time.Duration // build time (0 when found)
	Size  int64         // bytes, parents included, as the engine reports
}

// ensureRecipe makes r's parents, then r, each only when missing; it
// returns every layer in build order, r last.
func (b *Builder) ensureRecipe(ctx context.Context, r recipe) ([]Layer, error) {
	ref := r.tag()
	unlock, err := b.lock(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var layers []Layer
	ok, err := b.imageExists(ctx, ref)
	if err != nil {
		return nil, err
	}
	l := Layer{Ref: ref}
	if !ok {
		for _, p := range r.parents {
			pl, err := b.ensureRecipe(ctx, p)
			layers = append(layers, pl...)
			if err != nil {
				return layers, err
			}
		}
		if r.suite != "" {
			if _, err := b.ensureBase(ctx, r.suite); err != nil {
				return layers, err
			}
		}
		b.logf("image %s: building %s", ref, r.label())
		start := time.Now()
		if err := b.build(ctx, r); err != nil {
			return layers, err
		}
		l.Built, l.Took = true, time.Since(start)
	}
	if info, err := b.docker.ImageInspect(ctx, ref); err == nil {
		l.Size = info.Size
	}
	return append(layers, l), nil
}

// build runs the engine's build; on failure the error names the version, the
// step (from the "xrdp-harness-step:" markers of the Dockerfile) and the tail
// of the log, which is also kept on disk.
func (b *Builder) build(ctx context.Context, r recipe) error {
	// Recipes made outside layers.go (HAProxy, ssh host) may name the
	// suite whose base they start from in a file.
	if suite, ok := r.files[".base-suite"]; ok && r.suite == "" && len(suite) > 0 {
		if _, err := b.ensureBase(ctx, string(suite)); err != nil {
			return err
		}
	}
	var ctxTar bytes.Buffer
	if err := writeTar(&ctxTar, r.files); err != nil {
		return fmt.Errorf("containers: build %s: pack context: %w", r.label(), err)
	}
	logPath := filepath.Join(b.cacheDir, "logs", strings.NewReplacer("/", "_", ":", "_").Replace(r.tag())+".log")
	logFile, err := createLog(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fail := func(step string, err error) error {
		if name, ok := r.steps[step]; ok {
			step = name
		}
		return &BuildError{Version: r.version, Flavour: r.flavour, Image: r.label(), Step: step, Err: err,
			Tail: tailFile(logPath, 25), Log: logPath}
	}
	release, err := b.buildSlot(ctx)
	if err != nil {
		return fail("wait for a build slot", err)
	}
	defer release()
	opts := client.ImageBuildOptions{
		Tags:        []string{r.tag()},
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{"io.xrdp-harness.recipe": r.hash()},
	}
	b.packageCache(ctx).apply(&opts)
	if lim := throttleOf(ctx); lim.active() {
		lim.apply(&opts)
		fmt.Fprintf(logFile, "xrdp-harness: background build: %s\n", lim)
		b.logf("  %s: background build (%s)", r.label(), lim)
	}
	res, err := b.docker.ImageBuild(ctx, &ctxTar, opts)
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
					b.logf("  %s: %s", r.label(), step)
					if f := stepsOf(ctx); f != nil {
						f(r.label(), step)
					}
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

// buildSlot lets at most two engine builds of this Builder run at once
// (the two lanes of a suite's prebuild: packaged versions, source builds).
// More would only split the same cores; a run being measured is kept
// first by the builds' throttle (low CPU shares, a quota), not by this.
func (b *Builder) buildSlot(ctx context.Context) (func(), error) {
	select {
	case b.slot <- struct{}{}:
		return func() { <-b.slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// BuildError is a failed image build.
type BuildError struct {
	Version, Flavour string
	Image            string // which image of the stack: "xrdp 0.9.24 (debian)", "runtime bookworm"
	Step             string
	Err              error
	Tail             string // last lines of the build log
	Log              string // path of the full log
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("containers: build %s: step %s: %v\n--- log tail ---\n%s\n--- full log: %s",
		e.Image, e.Step, e.Err, e.Tail, e.Log)
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
