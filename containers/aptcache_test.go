package containers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

// The package cache serves a package and an index fetched by hash from
// disk after the first fetch, and passes everything else to the mirror.
func TestAPTCacheKeepsImmutableFilesOnly(t *testing.T) {
	var hits = map[string]*atomic.Int32{}
	for _, p := range []string{"/debian/pool/main/x/xrdp/xrdp_0.9.21.1-1_amd64.deb",
		"/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/abc", "/debian/dists/bookworm/InRelease"} {
		hits[p] = new(atomic.Int32)
	}
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, ok := hits[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		n.Add(1)
		io.WriteString(w, "body of "+r.URL.Path)
	}))
	defer mirror.Close()
	c, err := startAPTCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	proxy, _ := url.Parse(c.URL())
	cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	get := func(p string) (int, string) {
		resp, err := cl.Get(mirror.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 3 {
		for p := range hits {
			if code, body := get(p); code != 200 || body != "body of "+p {
				t.Fatalf("GET %s through the cache: %d %q", p, code, body)
			}
		}
	}
	if code, _ := get("/debian/pool/main/n/nope/nope_1_amd64.deb"); code != 404 {
		t.Errorf("a missing package: status %d, want the mirror's 404", code)
	}
	for p, want := range map[string]int32{
		"/debian/pool/main/x/xrdp/xrdp_0.9.21.1-1_amd64.deb":          1,
		"/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/abc": 1,
		"/debian/dists/bookworm/InRelease":                            3,
	} {
		if got := hits[p].Load(); got != want {
			t.Errorf("%s reached the mirror %d times, want %d", p, got, want)
		}
	}
}
