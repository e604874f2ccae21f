package containers

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Defaults returns the ini files the image installs in /etc/xrdp (its
// packaged sesman.ini, xrdp.ini, km-*.ini …), byte for byte as the package
// or `make install` left them: the harness changes them only when a
// container starts. They are read from the image once (a created, never
// started container) and cached under the builder's cache dir by image
// tag, which is the image's content hash.
func (b *Builder) Defaults(ctx context.Context, img Image) (map[string][]byte, error) {
	dir := filepath.Join(b.cacheDir, "defaults", strings.NewReplacer("/", "_", ":", "_").Replace(img.Ref))
	if files, err := readDefaults(dir); err == nil {
		return files, nil
	}
	files, err := b.extractDefaults(ctx, img.Ref)
	if err != nil {
		return nil, fmt.Errorf("containers: default config of %s: %w", img.Ref, err)
	}
	// Cached best effort: a failed write only costs the next extraction.
	_ = os.MkdirAll(filepath.Dir(dir), 0o755)
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".defaults-")
	if err == nil {
		for name, data := range files {
			if err = os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
				break
			}
		}
		if err == nil {
			err = os.Rename(tmp, dir) // another process may have won: fine
		}
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}
	return files, nil
}

func readDefaults(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = data
	}
	if len(files) == 0 {
		return nil, os.ErrNotExist
	}
	return files, nil
}

// extractDefaults copies /etc/xrdp/*.ini out of a created container of ref.
func (b *Builder) extractDefaults(ctx context.Context, ref string) (map[string][]byte, error) {
	created, err := b.docker.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: ref, Entrypoint: []string{"/bin/true"},
			Labels: ownerLabels(0)},
	})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	defer func() {
		_, _ = b.docker.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	res, err := b.docker.CopyFromContainer(ctx, created.ID, client.CopyFromContainerOptions{SourcePath: "/etc/xrdp"})
	if err != nil {
		return nil, fmt.Errorf("copy /etc/xrdp: %w", err)
	}
	defer res.Content.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read /etc/xrdp: %w", err)
		}
		name := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(name, ".ini") || path.Dir(path.Clean(h.Name)) != "xrdp" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("read /etc/xrdp/%s: %w", name, err)
		}
		files[name] = data
	}
	if len(files) == 0 {
		return nil, errors.New("no ini files in /etc/xrdp")
	}
	return files, nil
}
