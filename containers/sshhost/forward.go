package sshhost

import (
	"fmt"
	"io"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
)

// forward is an SSH local port forward: a listener on 127.0.0.1 of this
// machine whose connections are carried to remote (an address as the host
// sees it) over the SSH connection, as `ssh -L` does.
type forward struct {
	ln     net.Listener
	remote string
	client *ssh.Client
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func newForward(client *ssh.Client, remote string) (*forward, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", remote, err)
	}
	f := &forward{ln: ln, remote: remote, client: client, conns: map[net.Conn]bool{}}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

func (f *forward) Addr() string { return f.ln.Addr().String() }

func (f *forward) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.pipe(c)
		}()
	}
}

func (f *forward) track(c net.Conn, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		f.conns[c] = true
	} else {
		delete(f.conns, c)
	}
}

func (f *forward) pipe(local net.Conn) {
	defer local.Close()
	remote, err := f.client.Dial("tcp", f.remote)
	if err != nil {
		// The client sees a closed connection, as with a refused one.
		return
	}
	defer remote.Close()
	f.track(local, true)
	defer f.track(local, false)
	done := make(chan struct{}, 2)
	go func() { io.Copy(remote, local); remote.Close(); done <- struct{}{} }()
	go func() { io.Copy(local, remote); local.Close(); done <- struct{}{} }()
	<-done
	<-done
}

// Close stops accepting, ends the open connections and waits for them.
func (f *forward) Close() error {
	err := f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return err
}
