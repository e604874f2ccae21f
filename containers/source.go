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
	Name    string // file name used in the build context
	Data    []byte
	SHA256  string
	Version string
}

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
	switch {
	case strings.HasPrefix(src.Tarball, "https://"):
		if src.SHA256 == "" {
			return nil, fmt.Errorf("containers: fetch %s: a URL needs its sha256; append #sha256=<hex> (sha256sum of the file)", src.Tarball)
		}
		u, perr := url.Parse(src.Tarball)
		if perr != nil {
			return nil, fmt.Errorf("containers: fetch %s: %w", src.Tarball, perr)
		}
		name = path.Base(u.Path)
		data, err = download(ctx, src.Tarball, src.SHA256, cacheDir)
	case strings.Contains(src.Tarball, "://"):
		return nil, fmt.Errorf("containers: fetch %s: only https URLs and local paths are accepted", src.Tarball)
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
	cached := filepath.Join(cacheDir, "tarballs", strings.ToLower(sum)+".tar.gz")
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
