package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// aptCache is a caching HTTP proxy for Debian's mirrors, listening on the
// host's loopback while the Builder lives. Image builds run on the host's
// network and reach it through http_proxy (a build argument Docker keeps
// out of the image and its layer cache), and debootstrap through its
// environment. Files that never change under their name are kept in the
// cache dir and served from there by every later build, of any flavour and
// any run: packages (pool/…/*.deb) and indexes fetched by hash
// (…/by-hash/SHA256/…). Everything else (InRelease, redirects, errors)
// passes through, so apt still checks signatures and freshness against the
// mirror.
type aptCache struct {
	dir      string
	ln       net.Listener
	srv      *http.Server
	upstream *http.Client
}

// startAPTCache listens on 127.0.0.1 and serves from dir.
func startAPTCache(dir string) (*aptCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("containers: package cache: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("containers: package cache: listen: %w", err)
	}
	c := &aptCache{dir: dir, ln: ln, upstream: &http.Client{
		Transport: &http.Transport{Proxy: nil, ResponseHeaderTimeout: time.Minute, MaxIdleConnsPerHost: 4},
		// apt follows redirects itself, through the proxy again.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// URL is the proxy address for http_proxy.
func (c *aptCache) URL() string { return "http://" + c.ln.Addr().String() }

func (c *aptCache) Close() error { return c.srv.Close() }

// cachePath is where a cacheable URL is kept, "" for one that passes
// through.
func (c *aptCache) cachePath(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Scheme != "http" || r.URL.Host == "" || r.Header.Get("Range") != "" {
		return ""
	}
	p := path.Clean(r.URL.Path)
	if p != r.URL.Path || strings.Contains(p, "..") {
		return ""
	}
	immutable := (strings.Contains(p, "/pool/") && (strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".udeb"))) ||
		strings.Contains(p, "/by-hash/")
	if !immutable {
		return ""
	}
	return filepath.Join(c.dir, r.URL.Host, filepath.FromSlash(p))
}

func (c *aptCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "xrdp-harness package cache: only http:// proxy requests", http.StatusBadRequest)
		return
	}
	file := c.cachePath(r)
	if file != "" {
		if f, err := os.Open(file); err == nil {
			defer f.Close()
			st, err := f.Stat()
			if err == nil {
				w.Header().Set("X-Cache", "HIT")
				http.ServeContent(w, r, "", st.ModTime(), f)
				return
			}
		}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, h := range []string{"If-Modified-Since", "If-None-Match", "Range", "Cache-Control", "User-Agent", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := c.upstream.Do(req)
	if err != nil {
		http.Error(w, "xrdp-harness package cache: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	if file == "" || resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(w, resp.Body)
		return
	}
	// Stream to the client and to a temporary file; keep the file only
	// when all of it arrived.
	if err := c.store(file, resp, w); err != nil && !errors.Is(err, context.Canceled) {
		return
	}
}

func (c *aptCache) store(file string, resp *http.Response, w io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		_, _ = io.Copy(w, resp.Body)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".part-")
	if err != nil {
		_, _ = io.Copy(w, resp.Body)
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	n, err := io.Copy(io.MultiWriter(tmp, w), resp.Body)
	cerr := tmp.Close()
	if err != nil || cerr != nil {
		return errors.Join(err, cerr)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("short body: %d of %d bytes", n, resp.ContentLength)
	}
	return os.Rename(tmp.Name(), file)
}

// aptCacheOnce starts a Builder's cache on first use.
type aptCacheOnce struct {
	once  sync.Once
	cache *aptCache
	err   error
}

// packageCache returns the running cache, starting it on first use; nil
// (builds fetch straight from the mirror) when it is off or cannot start.
func (b *Builder) packageCache(context.Context) *aptCache {
	if b.noPackageCache {
		return nil
	}
	b.apt.once.Do(func() {
		b.apt.cache, b.apt.err = startAPTCache(filepath.Join(b.cacheDir, "apt"))
		if b.apt.err != nil {
			b.logf("package cache off: %v", b.apt.err)
		}
	})
	return b.apt.cache
}

// apply routes a build's apt through the cache.
func (c *aptCache) apply(o *client.ImageBuildOptions) {
	if c == nil {
		return
	}
	u := c.URL()
	// The proxy listens on the host's loopback: the build's RUN steps share
	// the host's network to reach it (they publish nothing).
	o.NetworkMode = "host"
	o.BuildArgs = map[string]*string{"http_proxy": &u}
}

// env is the environment debootstrap runs with.
func (c *aptCache) env() []string {
	if c == nil {
		return nil
	}
	return []string{"http_proxy=" + c.URL()}
}

// WithoutPackageCache makes builds fetch every package from the mirror.
func WithoutPackageCache() BuilderOption {
	return func(b *Builder) error { b.noPackageCache = true; return nil }
}
