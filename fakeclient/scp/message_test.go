package scp

import (
	"bytes"
	"strings"
	"testing"
)

func TestSessionRequestEncoding(t *testing.T) {
	tests := []struct {
		name string
		req  SessionRequest
		want []byte
	}{
		{
			name: "defaults fill width height bpp",
			req:  SessionRequest{Username: "u1", Password: "pass1"},
			want: []byte{
				0, 0, 0, 0, 0, 0, 0, 35, // version 0, size 35
				0, 0, // Xvnc
				0, 2, 'u', '1',
				0, 5, 'p', 'a', 's', 's', '1',
				0x04, 0x00, 0x03, 0x00, 0, 24, // 1024x768x24
				0, 0, 0, 0, 0, 0, 0, 0, // domain program directory client ip
			},
		},
		{
			name: "xorg with every string",
			req: SessionRequest{Type: Xorg, Username: "a", Password: "", Width: 800, Height: 600, BPP: 16,
				Domain: "d", Program: "p", Directory: "/", ClientIP: "1.2.3.4"},
			want: []byte{
				0, 0, 0, 0, 0, 0, 0, 39,
				0, 20,
				0, 1, 'a',
				0, 0,
				0x03, 0x20, 0x02, 0x58, 0, 16,
				0, 1, 'd', 0, 1, 'p', 0, 1, '/', 0, 7, '1', '.', '2', '.', '3', '.', '4',
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.req.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("MarshalBinary\n got % x\nwant % x", got, tt.want)
			}
		})
	}
}

func TestSessionRequestRejectsBadInput(t *testing.T) {
	long := strings.Repeat("x", maxString+1)
	tests := []struct {
		name    string
		req     SessionRequest
		wantErr string
	}{
		{"empty username", SessionRequest{Password: "p"}, "username is empty"},
		{"unknown type", SessionRequest{Type: 4, Username: "u"}, "session type 4"},
		{"long password", SessionRequest{Username: "u", Password: long}, "password is 513 bytes"},
		{"long client ip", SessionRequest{Username: "u", ClientIP: long}, "client ip is 513 bytes"},
		{"odd bpp", SessionRequest{Username: "u", BPP: 12}, "bpp 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.req.MarshalBinary()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("MarshalBinary error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestSessionRequestTooLarge(t *testing.T) {
	s := strings.Repeat("x", maxString)
	// Six maximal strings fit (6*514 < 8192); the limit that can bite is the
	// 8192 total, which needs no more than the strings: check it is enforced
	// by building a message right at the edge by hand.
	b := make([]byte, headerSize, maxMessage+1)
	for len(b) <= maxMessage {
		b = appendString16(b, s)
	}
	if _, err := finish(b); err == nil || !strings.Contains(err.Error(), "at most 8192") {
		t.Fatalf("finish(%d bytes) error = %v, want size error", len(b), err)
	}
}

func TestAuthRequestEncoding(t *testing.T) {
	got, err := authRequest("u2", "pw")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 0, 0, 0, 0, 18, 0, 4, 0, 2, 'u', '2', 0, 2, 'p', 'w'}
	if !bytes.Equal(got, want) {
		t.Fatalf("authRequest\n got % x\nwant % x", got, want)
	}
	if _, err := authRequest("", "pw"); err == nil {
		t.Fatal("authRequest with empty username: want error")
	}
}

func TestVNCPassword(t *testing.T) {
	// Expected values computed with: printf 'xrdp_vnc%s%s' S S | sha1sum | cut -c1-8
	tests := []struct{ secret, want string }{
		{"00112233445566778899aabbccddeeff", "1d4facf1"},
		{"pass1", "6ab1398e"},
	}
	for _, tt := range tests {
		if got := VNCPassword(tt.secret); got != tt.want {
			t.Errorf("VNCPassword(%q) = %q, want %q", tt.secret, got, tt.want)
		}
	}
	r := Reply{HasGUID: true, GUID: [16]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}}
	if got := r.VNCPassword(); got != "1d4facf1" {
		t.Errorf("Reply.VNCPassword = %q, want 1d4facf1", got)
	}
	if got := (Reply{}).VNCPassword(); got != "" {
		t.Errorf("Reply without GUID: VNCPassword = %q, want empty", got)
	}
}
