package sshhost_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/moby/moby/client"
	"golang.org/x/crypto/ssh"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// keys are one run's SSH client key and the ssh host's own key.
type keys struct {
	identity    string // private key file
	authorized  []byte
	hostKey     []byte
	fingerprint string
}

func newKeys() keys {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	_, cpriv, err := ed25519.GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	cblock, err := ssh.MarshalPrivateKey(cpriv, "")
	Expect(err).NotTo(HaveOccurred())
	k := keys{identity: filepath.Join(dir, "id_ed25519")}
	Expect(os.WriteFile(k.identity, pem.EncodeToMemory(cblock), 0o600)).To(Succeed())
	csigner, err := ssh.NewSignerFromKey(cpriv)
	Expect(err).NotTo(HaveOccurred())
	k.authorized = ssh.MarshalAuthorizedKey(csigner.PublicKey())
	_, hpriv, err := ed25519.GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	hblock, err := ssh.MarshalPrivateKey(hpriv, "")
	Expect(err).NotTo(HaveOccurred())
	k.hostKey = pem.EncodeToMemory(hblock)
	hsigner, err := ssh.NewSignerFromKey(hpriv)
	Expect(err).NotTo(HaveOccurred())
	k.fingerprint = ssh.FingerprintSHA256(hsigner.PublicKey())
	return k
}

// hostLab stands an ssh host up as a container (xrdp + openssh-server,
// only SSH published) and hands the engine the sshhost target alone: the
// container handle stays here, for Terminate.
type hostLab struct {
	version string
	opts    []containers.Option
	keys    keys
	cfg     sshhost.Config // Addr is filled in by Up

	mu      sync.Mutex
	srv     *containers.Server
	host    *sshhost.Host
	since   time.Time
	dir     string
	downErr error
}

var _ harness.Lab = (*hostLab)(nil)

func (l *hostLab) start(ctx context.Context) error {
	l.since = time.Now()
	srv, err := containers.Run(ctx, l.version, append(l.opts, containers.WithBuilder(builder),
		containers.WithSSHD(containers.SSHD{AuthorizedKey: l.keys.authorized, HostKey: l.keys.hostKey,
			Logins: []containers.SSHLogin{{Name: "xhops", Sudo: true}, {Name: "nosudo"}}}))...)
	l.mu.Lock()
	l.srv = srv
	l.mu.Unlock()
	if err != nil {
		return err
	}
	l.cfg.Addr = srv.SSHAddr()
	return nil
}

func (l *hostLab) Up(ctx context.Context) ([]harness.Target, error) {
	if l.srv == nil {
		if err := l.start(ctx); err != nil {
			return nil, err
		}
	}
	h, err := sshhost.Connect(ctx, l.cfg)
	l.mu.Lock()
	l.host = h
	if h != nil {
		l.dir = h.Dir()
	}
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return []harness.Target{h}, nil
}

func (l *hostLab) Down(ctx context.Context) error {
	l.mu.Lock()
	h := l.host
	l.host = nil
	l.mu.Unlock()
	if h == nil {
		return nil
	}
	// The container stays for the checks after the run (terminate).
	l.downErr = h.Close(ctx)
	return l.downErr
}

// terminate removes the container (after the checks that need it).
func (l *hostLab) terminate(ctx context.Context) {
	l.mu.Lock()
	srv := l.srv
	l.srv = nil
	l.mu.Unlock()
	Expect(srv.Terminate(ctx)).To(Succeed()) // nil-safe
}

// execCount is how many docker exec the engine created in the container
// since it started: the ssh path must have made none.
func (l *hostLab) execCount(ctx context.Context) int {
	GinkgoHelper()
	docker, err := client.New(client.FromEnv)
	Expect(err).NotTo(HaveOccurred())
	defer docker.Close()
	ectx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res := docker.Events(ectx, client.EventsListOptions{
		Since:   l.since.Add(-time.Second).Format(time.RFC3339Nano),
		Until:   time.Now().Add(time.Second).Format(time.RFC3339Nano),
		Filters: make(client.Filters).Add("container", l.srv.ID()).Add("type", "container"),
	})
	n := 0
	for {
		select {
		case m, ok := <-res.Messages:
			if !ok {
				return n
			}
			if len(m.Action) >= 4 && string(m.Action)[:4] == "exec" {
				n++
			}
		case err := <-res.Err:
			if err != nil && !errors.Is(err, io.EOF) {
				Expect(err).NotTo(HaveOccurred())
			}
			return n
		}
	}
}
