package scenarios

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
)

//go:embed patches/*.patch
var patchFiles embed.FS

// DefectBuild is 0.9.21.1 built from source with its SIGCHLD fix reverted
// (patches/sigchld-reap-one.patch): sesman reaps one child per signal, as
// 0.9.17 and 0.9.18 did. It stands in for 0.9.17 where that release's
// tarball cannot be fetched, and guards the detectors against regressions.
const DefectBuild = lint.DefectBuild

// namedBuilds are versions known by name. The patch is embedded; its file
// path is filled in by Materialize.
var namedBuilds = map[string]Version{
	DefectBuild: {Label: DefectBuild, Image: containers.ImageSpec{Version: "0.9.21.1", Source: &containers.Source{
		Tarball: "https://deb.debian.org/debian-security/pool/updates/main/x/xrdp/xrdp_0.9.21.1.orig.tar.gz",
		SHA256:  "7c6c42dce7d3201efe4481e0d388e00094bf8f15224ddad9e47b402a672e08e3",
		Patches: []string{"embedded:sigchld-reap-one.patch"},
	}}},
}

// Materialize writes embedded patches of a version into dir (the builder's
// cache dir) and returns the version with real file paths. Versions without
// embedded patches are returned as they are.
func Materialize(v Version, dir string) (Version, error) {
	if v.Image.Source == nil {
		return v, nil
	}
	src := *v.Image.Source
	src.Patches = append([]string(nil), src.Patches...)
	for i, p := range src.Patches {
		name, ok := strings.CutPrefix(p, "embedded:")
		if !ok {
			continue
		}
		data, err := patchFiles.ReadFile("patches/" + name)
		if err != nil {
			return v, fmt.Errorf("scenarios: embedded patch %s: %w", name, err)
		}
		sum := sha256.Sum256(data)
		path := filepath.Join(dir, "patches", hex.EncodeToString(sum[:6]), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return v, fmt.Errorf("scenarios: write patch %s: %w", name, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return v, fmt.Errorf("scenarios: write patch %s: %w", name, err)
		}
		src.Patches[i] = path
	}
	v.Image.Source = &src
	return v, nil
}
