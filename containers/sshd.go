package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// SSHD makes the container an "ssh host": the xrdp image plus
// openssh-server and sudo in a derived image layer, started with only its
// SSH port published on 127.0.0.1. It stands in for an existing host in
// tests of the ssh target kind (containers/sshhost), which drive it through
// SSH alone: with SSHD, Run waits on the container's output instead of
// docker exec checks, and RDP and sesman are not published at all.
type SSHD struct {
	// AuthorizedKey is the authorized_keys line of every login.
	AuthorizedKey []byte
	// HostKey is the server's ed25519 private key in OpenSSH PEM form, so
	// the test can pin its fingerprint.
	HostKey []byte
	// Logins are the SSH accounts to make, with or without a NOPASSWD sudo
	// rule.
	Logins []SSHLogin
}

// SSHLogin is one SSH account of an SSHD container.
type SSHLogin struct {
	Name string
	Sudo bool
}

// SSHPort is sshd's port inside the container.
const SSHPort = 22

var loginRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// WithSSHD makes the container an ssh host (see SSHD).
func WithSSHD(s SSHD) Option {
	return func(c *config) error {
		var errs []error
		if len(bytes.TrimSpace(s.AuthorizedKey)) == 0 || bytes.ContainsAny(bytes.TrimSpace(s.AuthorizedKey), "\n") {
			errs = append(errs, errors.New("sshd: authorized key: want one authorized_keys line"))
		}
		if !bytes.Contains(s.HostKey, []byte("OPENSSH PRIVATE KEY")) {
			errs = append(errs, errors.New("sshd: host key: want an OpenSSH PEM private key"))
		}
		if len(s.Logins) == 0 {
			errs = append(errs, errors.New("sshd: no logins"))
		}
		for _, l := range s.Logins {
			if !loginRE.MatchString(l.Name) || l.Name == "root" {
				errs = append(errs, fmt.Errorf("sshd: login %q: want a lowercase user name other than root", l.Name))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		c.sshd = &s
		return nil
	}
}

// env is read by sshd-entrypoint.sh.
func (s SSHD) env() string {
	var words []string
	for _, l := range s.Logins {
		w := l.Name + ":"
		if l.Sudo {
			w += "sudo"
		}
		words = append(words, w)
	}
	return fmt.Sprintf("XH_SSH_LOGINS='%s'\n", strings.Join(words, " "))
}

// ensureSSHD returns the ssh-host layer on top of base, building it when
// missing. Its tag is the content hash of its recipe, whose Dockerfile
// names base by its own content-hash tag.
func (b *Builder) ensureSSHD(ctx context.Context, spec ImageSpec, base Image) (Image, error) {
	br, err := b.recipe(ctx, spec)
	if err != nil {
		return base, err
	}
	script, err := assets.ReadFile("assets/sshd-entrypoint.sh")
	if err != nil {
		return base, fmt.Errorf("containers: read asset sshd-entrypoint.sh: %w", err)
	}
	t, err := template.ParseFS(assets, "assets/Dockerfile.sshd")
	if err != nil {
		return base, fmt.Errorf("containers: parse Dockerfile.sshd: %w", err)
	}
	var df bytes.Buffer
	if err := t.Execute(&df, struct{ Base string }{base.Ref}); err != nil {
		return base, fmt.Errorf("containers: render Dockerfile.sshd: %w", err)
	}
	r := recipe{version: base.Version, flavour: base.Flavour + "-sshd", files: map[string][]byte{
		"Dockerfile":                 df.Bytes(),
		"harness/sshd-entrypoint.sh": script,
		".base-suite":                br.files[".base-suite"],
	}}
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
		b.logf("image %s: adding openssh-server to %s", img.Ref, base.Ref)
		if err := b.build(ctx, r); err != nil {
			return img, err
		}
		img.Built = true
	}
	return img, nil
}
