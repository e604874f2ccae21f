package containers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// tarball is a release tarball read into memory and checked: it is a gzip
// tar with configure and configure.ac at its top, and its configure.ac names
// Version.
type tarball struct {
	Name    string // the file's own name (for messages; the build context uses tarballFile)
	Data    []byte
	SHA256  string
	Version string
}

// tarballFile is the tarball's name inside the build context: fixed, so
// that nothing the user named reaches the Dockerfile or a shell.
const tarballFile = "xrdp.tar.gz"

// maxTarball bounds what is read from disk or the network (xrdp releases are
// 2-3 MB).
const maxTarball = 64 << 20

// loadTarball reads src.Tarball from disk or downloads it (into cacheDir,
// keyed by its sha256), verifies the sum and the contents. want is the
// version the caller asked for, "" to take the tarball's own.
func loadTarball(ctx context.Context, src Source, want, cacheDir string) (*tarball, error) {
	var data []byte
	var err error
	name := path.Base(src.Tarball)
	if err := checkTarballRef(src); err != nil {
		return nil, err
	}
	switch {
	case strings.HasPrefix(src.Tarball, "https://"):
		u, perr := url.Parse(src.Tarball)
		if perr != nil {
			return nil, fmt.Errorf("containers: fetch %s: %w", src.Tarball, perr)
		}
		name = path.Base(u.Path)
		data, err = download(ctx, src.Tarball, src.SHA256, cacheDir)
	default:
		data, err = readLimited(src.Tarball)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if src.SHA256 != "" && !strings.EqualFold(src.SHA256, got) {
		return nil, fmt.Errorf("containers: verify %s: sha256 is %s, expected %s; the file is corrupt or not the release you meant",
			src.Tarball, got, src.SHA256)
	}
	version, err := tarballVersion(data)
	if err != nil {
		return nil, fmt.Errorf("containers: inspect %s: %w", src.Tarball, err)
	}
	if want != "" && want != version {
		return nil, fmt.Errorf("containers: inspect %s: the tarball is xrdp %s, not the requested %s", src.Tarball, version, want)
	}
	return &tarball{Name: name, Data: data, SHA256: got, Version: version}, nil
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkTarballRef checks how a tarball is named, without reading it: an
// https URL with a well-formed sha256, or a local path.
func checkTarballRef(src Source) error {
	var errs []error
	switch {
	case strings.HasPrefix(src.Tarball, "https://"):
		if src.SHA256 == "" {
			errs = append(errs, fmt.Errorf("containers: tarball %s: a URL needs its sha256; append #sha256=<hex> (sha256sum of the file)", src.Tarball))
		}
		if u, err := url.Parse(src.Tarball); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("containers: tarball %q: not a valid https URL", src.Tarball))
		}
	case strings.Contains(src.Tarball, "://"):
		errs = append(errs, fmt.Errorf("containers: tarball %s: only https URLs and local paths are accepted (plain http can be tampered with)", src.Tarball))
	case src.Tarball == "":
		errs = append(errs, errors.New("containers: tarball: empty; give a local .tar.gz path or an https URL"))
	}
	if src.SHA256 != "" && !sha256RE.MatchString(strings.ToLower(src.SHA256)) {
		errs = append(errs, fmt.Errorf("containers: tarball %s: sha256 %q: want 64 hex digits (the output of sha256sum)", src.Tarball, src.SHA256))
	}
	return errors.Join(errs...)
}

var (
	configureFlagRE = regexp.MustCompile(`^(--[A-Za-z0-9][A-Za-z0-9_-]*(=.*)?|[A-Za-z_][A-Za-z0-9_]*=.*)$`)
	// maxBuildArg bounds a flag or CFLAGS (they are argv words, not scripts).
	maxBuildArg = 4096
)

// CheckBuildOptions checks a source build's options without Docker: the
// tarball reference, each configure flag (a --flag[=value] or VAR=value
// word, passed as one argv entry), CFLAGS (one line), patch files.
func CheckBuildOptions(src Source) error {
	errs := []error{checkTarballRef(src)}
	for _, f := range src.ConfigureFlags {
		if !configureFlagRE.MatchString(f) || strings.ContainsAny(f, "\x00\r\n") || len(f) > maxBuildArg {
			errs = append(errs, fmt.Errorf("containers: configure flag %q: want one --flag or --flag=value (or VAR=value) word on one line", f))
		}
	}
	if strings.ContainsAny(src.CFLAGS, "\x00\r\n") || len(src.CFLAGS) > maxBuildArg {
		errs = append(errs, fmt.Errorf("containers: CFLAGS %q: want compiler flags on one line", src.CFLAGS))
	}
	for _, p := range src.Patches {
		if strings.HasPrefix(p, "embedded:") {
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("containers: patch %s: %w; give the path of a patch file", p, err))
		case !fi.Mode().IsRegular():
			errs = append(errs, fmt.Errorf("containers: patch %s: not a regular file", p))
		}
	}
	return errors.Join(errs...)
}

// InspectSource checks a source build before any Docker work: its options
// (CheckBuildOptions) and, for a local tarball or a URL already in cacheDir,
// that the file is a gzip tar of an xrdp release (of version want, when
// given) whose sha256 matches. It returns the tarball's version ("" when a
// URL is not downloaded yet: its sum is checked when it is fetched).
func InspectSource(src Source, want, cacheDir string) (string, error) {
	optErr := CheckBuildOptions(src)
	if checkTarballRef(src) != nil {
		return "", optErr // it says what is wrong with the reference
	}
	if strings.HasPrefix(src.Tarball, "https://") {
		if _, err := os.Stat(cachedTarball(cacheDir, src.SHA256)); err != nil {
			return "", optErr
		}
	}
	tb, err := loadTarball(context.Background(), src, want, cacheDir)
	if err != nil {
		return "", errors.Join(optErr, err)
	}
	return tb.Version, optErr
}

// cachedTarball is where a downloaded tarball is kept: named by its sum,
// which checkTarballRef has made 64 hex digits (never a path).
func cachedTarball(cacheDir, sum string) string {
	return filepath.Join(cacheDir, "tarballs", strings.ToLower(sum)+".tar.gz")
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("containers: read tarball %s: no such file; give the path of an xrdp release .tar.gz", p)
		}
		return nil, fmt.Errorf("containers: read tarball: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTarball+1))
	if err != nil {
		return nil, fmt.Errorf("containers: read tarball %s: %w", p, err)
	}
	if len(data) > maxTarball {
		return nil, fmt.Errorf("containers: read tarball %s: larger than %d MB, not an xrdp release", p, maxTarball>>20)
	}
	return data, nil
}

// download fetches a URL once: later calls read the cached copy named by its
// sum.
func download(ctx context.Context, rawURL, sum, cacheDir string) ([]byte, error) {
	if !sha256RE.MatchString(strings.ToLower(sum)) {
		return nil, fmt.Errorf("containers: fetch %s: sha256 %q: want 64 hex digits", rawURL, sum)
	}
	cached := cachedTarball(cacheDir, sum)
	if data, err := os.ReadFile(cached); err == nil {
		return data, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("containers: fetch %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("containers: fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("containers: fetch %s: server answered %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTarball+1))
	if err != nil {
		return nil, fmt.Errorf("containers: fetch %s: %w", rawURL, err)
	}
	if len(data) > maxTarball {
		return nil, fmt.Errorf("containers: fetch %s: larger than %d MB, not an xrdp release", rawURL, maxTarball>>20)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) == strings.ToLower(sum) {
		// Only a verified file is cached; a mismatch is reported by the caller.
		if err := os.MkdirAll(filepath.Dir(cached), 0o755); err == nil {
			tmp := cached + ".part"
			if os.WriteFile(tmp, data, 0o644) == nil {
				_ = os.Rename(tmp, cached)
			}
		}
	}
	return data, nil
}

var acInitRE = regexp.MustCompile(`AC_INIT\(\s*\[?xrdp\]?\s*,\s*\[?([0-9][0-9.]*)\]?`)

// tarballVersion checks that data is an xrdp release tarball (gzip tar with
// configure and configure.ac under one top directory) and returns the
// version configure.ac declares.
func tarballVersion(data []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("not a gzip file (%v); give an xrdp release .tar.gz", err)
	}
	tr := tar.NewReader(zr)
	var version string
	var sawConfigure bool
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("corrupt tar archive (%v); download it again", err)
		}
		parts := strings.SplitN(strings.TrimPrefix(h.Name, "./"), "/", 3)
		if len(parts) != 2 {
			continue
		}
		switch parts[1] {
		case "configure":
			sawConfigure = true
		case "configure.ac":
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return "", fmt.Errorf("corrupt tar archive (%v); download it again", err)
			}
			if m := acInitRE.FindSubmatch(b); m != nil {
				version = string(m[1])
			}
		}
	}
	if version == "" {
		return "", fmt.Errorf("no configure.ac declaring AC_INIT([xrdp], [version]) at the top of the archive: not an xrdp release tarball")
	}
	if !sawConfigure {
		return "", fmt.Errorf("xrdp %s archive has no generated configure script: use a release tarball, not a git snapshot", version)
	}
	return version, nil
}
