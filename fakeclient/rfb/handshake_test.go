package rfb

import (
	"bytes"
	"context"
	"crypto/des"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"net"
	"reflect"
	"testing"
	"time"
)

func TestVNCAuthResponseMatchesXrdpPasswordFile(t *testing.T) {
	// A real xrdp 0.9.21 sesman wrote the -rfbauth file a7c67649d8e55b38 for
	// the session password "da25a285": the file is the password encrypted
	// with VNC's fixed key, i.e. the VNC auth response to the "challenge"
	// password, keyed by the fixed key.
	fixedKey := string([]byte{23, 82, 107, 6, 35, 78, 88, 7})
	var challenge [16]byte
	copy(challenge[:], "da25a285")
	got := vncAuthResponse(fixedKey, challenge)
	want := []byte{0xa7, 0xc6, 0x76, 0x49, 0xd8, 0xe5, 0x5b, 0x38}
	if !bytes.Equal(got[:8], want) {
		t.Fatalf("response % x, want % x", got[:8], want)
	}
}

// fakeServer plays the server side of one RFB handshake on a real TCP
// socket. version is "003.003", "003.007" or "003.008"; types are offered
// (or, for 3.3, types[0] is imposed); password "" accepts any response.
type fakeServer struct {
	version   string
	types     []byte
	password  string
	refuse    string // when set: zero types and this reason
	name      string
	gotShared chan byte
}

func (s *fakeServer) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s.gotShared = make(chan byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		s.serve(c)
	}()
	return ln.Addr().String()
}

func u32(v int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func (s *fakeServer) serve(c net.Conn) {
	c.Write([]byte("RFB " + s.version + "\n"))
	var cv [12]byte
	if _, err := io.ReadFull(c, cv[:]); err != nil {
		return
	}
	v38 := string(cv[:]) == "RFB 003.008\n"
	chosen := byte(0)
	if s.version == "003.003" {
		if s.refuse != "" {
			c.Write(append(u32(0), append(u32(len(s.refuse)), s.refuse...)...))
			return
		}
		c.Write(u32(int(s.types[0])))
		chosen = s.types[0]
	} else {
		if s.refuse != "" {
			c.Write(append([]byte{0}, append(u32(len(s.refuse)), s.refuse...)...))
			return
		}
		c.Write(append([]byte{byte(len(s.types))}, s.types...))
		var ch [1]byte
		if _, err := io.ReadFull(c, ch[:]); err != nil {
			return
		}
		chosen = ch[0]
	}
	if chosen == 2 {
		challenge := []byte("0123456789abcdef")
		c.Write(challenge)
		var resp [16]byte
		if _, err := io.ReadFull(c, resp[:]); err != nil {
			return
		}
		// Verify by decrypting with the bit-reversed key, as a VNC server does.
		var key [8]byte
		copy(key[:], s.password)
		for i := range key {
			key[i] = bits.Reverse8(key[i])
		}
		ciph, _ := des.NewCipher(key[:])
		plain := make([]byte, 16)
		ciph.Decrypt(plain[:8], resp[:8])
		ciph.Decrypt(plain[8:], resp[8:])
		if !bytes.Equal(plain, challenge) {
			msg := "Authentication failure"
			out := u32(1)
			if v38 {
				out = append(out, append(u32(len(msg)), msg...)...)
			}
			c.Write(out)
			return
		}
		c.Write(u32(0))
	} else if v38 {
		c.Write(u32(0))
	}
	var shared [1]byte
	if _, err := io.ReadFull(c, shared[:]); err != nil {
		return
	}
	s.gotShared <- shared[0]
	init := binary.BigEndian.AppendUint16(nil, 1024)
	init = binary.BigEndian.AppendUint16(init, 768)
	init = append(init, make([]byte, 16)...)
	init = append(init, u32(len(s.name))...)
	c.Write(append(init, s.name...))
}

func TestProbeAgainstFakeServer(t *testing.T) {
	tests := []struct {
		name   string
		srv    fakeServer
		opts   []Option
		want   Result
		shared bool // the probe reached ClientInit
	}{
		{
			name: "3.8 vnc auth ok",
			srv:  fakeServer{version: "003.008", types: []byte{19, 2}, password: "da25a285", name: "host:10 (u1)"},
			opts: []Option{WithPassword("da25a285")},
			want: Result{Banner: "RFB 003.008", Version: "3.8", SecurityTypes: []int{19, 2}, AuthTried: true, AuthOK: true,
				Width: 1024, Height: 768, Name: "host:10 (u1)"},
			shared: true,
		},
		{
			name: "3.8 vnc auth wrong password",
			srv:  fakeServer{version: "003.008", types: []byte{2}, password: "right"},
			opts: []Option{WithPassword("wrong")},
			want: Result{Banner: "RFB 003.008", Version: "3.8", SecurityTypes: []int{2}, AuthTried: true,
				Reason: "Authentication failure"},
		},
		{
			name: "3.8 no password stops after the types",
			srv:  fakeServer{version: "003.008", types: []byte{2}},
			want: Result{Banner: "RFB 003.008", Version: "3.8", SecurityTypes: []int{2}},
		},
		{
			name: "3.8 none offered",
			srv:  fakeServer{version: "003.008", types: []byte{2, 1}, name: "x"},
			want: Result{Banner: "RFB 003.008", Version: "3.8", SecurityTypes: []int{2, 1}, AuthOK: true,
				Width: 1024, Height: 768, Name: "x"},
			shared: true,
		},
		{
			name: "3.8 refused with reason",
			srv:  fakeServer{version: "003.008", refuse: "Too many security failures"},
			want: Result{Banner: "RFB 003.008", Version: "3.8", SecurityTypes: []int{}, Reason: "Too many security failures"},
		},
		{
			name: "3.7 vnc auth wrong password has no reason string",
			srv:  fakeServer{version: "003.007", types: []byte{2}, password: "right"},
			opts: []Option{WithPassword("wrong")},
			want: Result{Banner: "RFB 003.007", Version: "3.7", SecurityTypes: []int{2}, AuthTried: true,
				Reason: "authentication failed"},
		},
		{
			name: "3.3 imposed vnc auth",
			srv:  fakeServer{version: "003.003", types: []byte{2}, password: "pw", name: "old"},
			opts: []Option{WithPassword("pw")},
			want: Result{Banner: "RFB 003.003", Version: "3.3", SecurityTypes: []int{2}, AuthTried: true, AuthOK: true,
				Width: 1024, Height: 768, Name: "old"},
			shared: true,
		},
		{
			name: "3.3 refused",
			srv:  fakeServer{version: "003.003", refuse: "go away"},
			want: Result{Banner: "RFB 003.003", Version: "3.3", SecurityTypes: []int{0}, Reason: "go away"},
		},
		{
			name: "newer server version is spoken as 3.8",
			srv:  fakeServer{version: "004.001", types: []byte{1}, name: "n"},
			want: Result{Banner: "RFB 004.001", Version: "3.8", SecurityTypes: []int{1}, AuthOK: true,
				Width: 1024, Height: 768, Name: "n"},
			shared: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.srv.start(t)
			ctx := t.Context()
			got, err := Probe(ctx, addr, tt.opts...)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Probe\n got %+v\nwant %+v", got, tt.want)
			}
			if tt.shared {
				if s := <-tt.srv.gotShared; s != 1 {
					t.Fatalf("ClientInit shared-flag = %d, want 1", s)
				}
			}
		})
	}
}

func TestProbeErrors(t *testing.T) {
	t.Run("not rfb", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Write([]byte("SSH-2.0-OpenSSH_9\r\n"))
				c.Close()
			}
		}()
		_, err = Probe(t.Context(), ln.Addr().String())
		var perr *ProtocolError
		if !errors.As(err, &perr) || perr.Step != "banner" {
			t.Fatalf("err = %v, want banner ProtocolError", err)
		}
	})
	t.Run("silent server times out", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Read(make([]byte, 1))
				c.Close()
			}
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err = Probe(ctx, ln.Addr().String())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("empty password option", func(t *testing.T) {
		if _, err := Probe(t.Context(), "127.0.0.1:1", WithPassword("")); err == nil {
			t.Fatal("want error for empty password")
		}
	})
}

// rw replays server bytes and swallows what the client writes.
type rw struct{ io.Reader }

func (rw) Write(p []byte) (int, error) { return len(p), nil }

// FuzzHandshake: arbitrary server bytes give a result or an error, never
// a panic or an unbounded allocation.
func FuzzHandshake(f *testing.F) {
	f.Add([]byte("RFB 003.008\n\x02\x13\x020123456789abcdef\x00\x00\x00\x00\x04\x00\x03\x00" + string(make([]byte, 16)) + "\x00\x00\x00\x01n"))
	f.Add([]byte("RFB 003.003\n\x00\x00\x00\x02" + "0123456789abcdef" + "\x00\x00\x00\x01"))
	f.Add([]byte("RFB 003.008\n\x00\x00\x00\x00\x03bye"))
	f.Add([]byte("RFB 003.007\n\x01\x01\x00\x04\x00\x03\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var res Result
		err := handshake(rw{bytes.NewReader(in)}, "password", &res)
		if err != nil {
			var perr *ProtocolError
			if !errors.As(err, &perr) {
				t.Fatalf("error %T (%v) is not a ProtocolError", err, err)
			}
		}
		if res.AuthOK && err == nil && res.Version == "" {
			t.Fatal("auth passed without a version")
		}
	})
}
