package containers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

// Images are layered so that what flavours share is built once per Debian
// suite:
//
//	base:<suite>       debootstrap minbase (base.go)
//	runtime:<suite>    FROM base: Xvnc, tini, the harness's tools and assets
//	builddeps:<suite>  FROM base: compilers and -dev packages of source builds
//	xrdp:<v>-debian    FROM runtime: Debian's xrdp package only
//	xrdp:<v>-source    built FROM builddeps, installed FROM runtime
//
// Each tag is the content hash of the image's own Dockerfile and context and
// of its parents' tags, so a change to a parent gives new tags to everything
// built on it and to nothing else.

// recipe is everything that defines one image: its Dockerfile and build
// context, and the images it is built from. Its hash names the image.
type recipe struct {
	repo string // e.g. xrdp-harness/xrdp
	name string // tag prefix: "0.9.21.1-debian", "bookworm"
	// version and flavour name xrdp images in errors and labels ("" for
	// the shared layers).
	version, flavour string
	suite            string            // Debian suite of the base image ("": built on another harness image)
	files            map[string][]byte // build context, Dockerfile included
	parents          []recipe          // built first, FROM or COPY --from
	// tagOverride, when set, is the tag (an image that is not xrdp's).
	tagOverride string
	// steps renames build steps for errors: user files enter the context
	// under fixed names ("patch 00.patch"), errors name the user's file.
	steps map[string]string
}

func (r recipe) hash() string {
	h := newHasher()
	h.field("repo", r.repo)
	h.field("name", r.name)
	h.field("version", r.version)
	h.field("flavour", r.flavour)
	h.field("suite", r.suite)
	for _, p := range r.parents {
		h.field("parent", p.tag())
	}
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

// tag is repo:name-<hash>; an xrdp layer that names neither (a desktop on
// a flavour image) is xrdp-harness/xrdp:<version>-<flavour>-<hash>.
func (r recipe) tag() string {
	if r.tagOverride != "" {
		return r.tagOverride
	}
	repo, name := r.repo, r.name
	if repo == "" {
		repo = "xrdp-harness/xrdp"
	}
	if name == "" {
		name = r.version + "-" + r.flavour
	}
	return repo + ":" + name + "-" + r.hash()[:12]
}

// label names the image in build errors and logs.
func (r recipe) label() string {
	if r.version != "" {
		return "xrdp " + r.version + " (" + r.flavour + ")"
	}
	return strings.TrimPrefix(r.repo, "xrdp-harness/") + " " + r.name
}

// Packages of every runtime base beside what WithRuntimePackages adds: the
// VNC server, an init that reaps orphans, and the tools the harness runs
// inside.
const commonPackages = "tigervnc-standalone-server xauth tini procps iproute2 ssl-cert openssl"

// sourceSuite is the base of source builds: its toolchain builds every 0.9.x
// and 0.10.x release given -Wno-error=deprecated-declarations.
const sourceSuite = "bookworm"

// sourceBuildPackages build xrdp from a release tarball on sourceSuite.
const sourceBuildPackages = "build-essential pkg-config autoconf automake libtool nasm patch ca-certificates " +
	"libssl-dev libpam0g-dev libx11-dev libxfixes-dev libxrandr-dev libjpeg-dev"

// sourceRunPackages are the run-time halves of the -dev packages above, as
// sourceSuite names them (trixie would say libssl3t64); check-install fails
// the build, naming the file, if a library is missing.
const sourceRunPackages = "libssl3 libpam0g libx11-6 libxfixes3 libxrandr2 libjpeg62-turbo"

var packageNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)

// WithRuntimePackages adds Debian packages to the runtime base of every
// suite (e.g. a desktop), so that every flavour shares them. They are part
// of the runtime's hash: adding one rebuilds the runtime bases and the xrdp
// images on them, and not the build-dependency images.
func WithRuntimePackages(pkgs ...string) BuilderOption {
	return func(b *Builder) error {
		for _, p := range pkgs {
			if !packageNameRE.MatchString(p) {
				return fmt.Errorf("runtime package %q: not a Debian package name (lower-case letters, digits, + - .)", p)
			}
		}
		b.runtimePackages = append(b.runtimePackages, pkgs...)
		return nil
	}
}

// WithFreshTags salts every content hash (the base image's, and so every
// layer's on it) with s: the whole stack is built again under new tags,
// beside the images already there. It measures cold builds on an engine
// that cannot be emptied; "" is the normal, shared cache.
func WithFreshTags(s string) BuilderOption {
	return func(b *Builder) error { b.salt = s; return nil }
}

// layerData feeds the Dockerfile templates.
type layerData struct {
	Suite, Base, Runtime, BuildDeps string
	Packages                        string
	Version, Flavour, Release       string
	TarballSHA256                   string
	Autoreconf                      string
}

func render(name string, d layerData) ([]byte, error) {
	t, err := template.ParseFS(assets, "assets/"+name, "assets/common.tmpl")
	if err != nil {
		return nil, fmt.Errorf("containers: parse %s: %w", name, err)
	}
	var out bytes.Buffer
	if err := t.ExecuteTemplate(&out, name, d); err != nil {
		return nil, fmt.Errorf("containers: render %s: %w", name, err)
	}
	return out.Bytes(), nil
}

// suiteRelease is the plain suite (with its security archive when it has
// one) that runtime and build-dependency images install from.
func suiteRelease(suite string, security bool) DebianRelease {
	return DebianRelease{Suite: suite, Release: suite, Security: security}
}

// runtimeRecipe is the runtime base of a suite.
func (b *Builder) runtimeRecipe(rel DebianRelease) (recipe, error) {
	files := map[string][]byte{}
	for _, n := range []string{"entrypoint.sh", "startwm.sh", "reconnectwm.sh", "pam-xrdp-sesman"} {
		data, err := assets.ReadFile("assets/" + n)
		if err != nil {
			return recipe{}, fmt.Errorf("containers: read asset %s: %w", n, err)
		}
		files["harness/"+n] = data
	}
	pkgs := strings.Join(append(strings.Fields(commonPackages), b.runtimePackages...), " ")
	df, err := render("Dockerfile.runtime", layerData{Suite: rel.Suite, Base: b.baseTag(rel.Suite), Packages: pkgs})
	if err != nil {
		return recipe{}, err
	}
	files["Dockerfile"] = df
	files["sources.list"] = []byte(suiteRelease(rel.Suite, rel.Security).sourcesList(b.mirrors))
	return recipe{repo: "xrdp-harness/runtime", name: rel.Suite, suite: rel.Suite, files: files}, nil
}

// buildDepsRecipe is the build-dependency image of source builds.
func (b *Builder) buildDepsRecipe(rel DebianRelease) (recipe, error) {
	df, err := render("Dockerfile.builddeps", layerData{Suite: rel.Suite, Base: b.baseTag(rel.Suite), Packages: sourceBuildPackages})
	if err != nil {
		return recipe{}, err
	}
	files := map[string][]byte{
		"Dockerfile":   df,
		"sources.list": []byte(suiteRelease(rel.Suite, rel.Security).sourcesList(b.mirrors)),
	}
	return recipe{repo: "xrdp-harness/builddeps", name: rel.Suite, suite: rel.Suite, files: files}, nil
}

// recipe is the xrdp image of spec, with its parents.
func (b *Builder) recipe(ctx context.Context, spec ImageSpec) (recipe, error) {
	if spec.Source == nil {
		rel, err := b.catalog.Lookup(spec.Version)
		if err != nil {
			return recipe{}, err
		}
		rt, err := b.runtimeRecipe(rel)
		if err != nil {
			return recipe{}, err
		}
		d := layerData{Version: spec.Version, Flavour: FlavourDebian, Release: rel.Release, Runtime: rt.tag()}
		df, err := render("Dockerfile.debian", d)
		if err != nil {
			return recipe{}, err
		}
		files := map[string][]byte{"Dockerfile": df, "sources.list": []byte(rel.sourcesList(b.mirrors))}
		return recipe{repo: "xrdp-harness/xrdp", name: spec.Version + "-" + FlavourDebian, version: spec.Version,
			flavour: FlavourDebian, suite: rel.Suite, files: files, parents: []recipe{rt}}, nil
	}
	src := *spec.Source
	if err := CheckBuildOptions(src); err != nil {
		return recipe{}, err
	}
	tb, err := loadTarball(ctx, src, spec.Version, b.cacheDir)
	if err != nil {
		return recipe{}, err
	}
	rel := suiteRelease(sourceSuite, true)
	rt, err := b.runtimeRecipe(rel)
	if err != nil {
		return recipe{}, err
	}
	bd, err := b.buildDepsRecipe(rel)
	if err != nil {
		return recipe{}, err
	}
	d := layerData{Version: tb.Version, Flavour: FlavourSource, Runtime: rt.tag(), BuildDeps: bd.tag(),
		Packages: sourceRunPackages, TarballSHA256: tb.SHA256}
	if src.Autoreconf {
		d.Autoreconf = "yes"
	}
	df, err := render("Dockerfile.source", d)
	if err != nil {
		return recipe{}, err
	}
	// Flags and CFLAGS reach configure as argv entries read from files of
	// the build context, never as Dockerfile or shell text.
	var flags bytes.Buffer
	for _, f := range src.ConfigureFlags {
		flags.WriteString(f + "\n")
	}
	files := map[string][]byte{"Dockerfile": df, "src/" + tarballFile: tb.Data,
		"src/configure-flags": flags.Bytes(),
		"src/cflags":          []byte(strings.TrimSpace("-O2 -g -Wno-error=deprecated-declarations "+src.CFLAGS) + "\n")}
	steps := map[string]string{}
	for i, p := range src.Patches {
		data, err := os.ReadFile(p)
		if err != nil {
			return recipe{}, fmt.Errorf("containers: read patch for xrdp %s: %w", tb.Version, err)
		}
		fixed := fmt.Sprintf("%02d.patch", i)
		files["src/patches/"+fixed] = data
		steps["patch "+fixed] = fmt.Sprintf("patch %s (%s)", filepath.Base(p), fixed)
	}
	return recipe{repo: "xrdp-harness/xrdp", name: tb.Version + "-" + FlavourSource, version: tb.Version,
		flavour: FlavourSource, suite: sourceSuite, files: files, parents: []recipe{bd, rt}, steps: steps}, nil
}
