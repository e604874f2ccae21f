package scp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func msg(body ...byte) []byte {
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b[4:], uint32(8+len(body)))
	return append(b, body...)
}

func TestReadSessionReply(t *testing.T) {
	guid := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tests := []struct {
		name       string
		in         []byte
		want       Reply
		wantDenied bool
		wantProto  string // substring of the protocol error
		wantOffset int
	}{
		{name: "granted with guid", in: msg(append([]byte{0, 3, 0, 1, 0, 10}, guid...)...),
			want: Reply{Display: 10, HasGUID: true, GUID: [16]byte(guid)}},
		{name: "granted without guid (older sesman)", in: msg(0, 3, 0, 1, 0x01, 0x2c), want: Reply{Display: 300}},
		{name: "denied", in: msg(0, 3, 0, 0, 0, 0), wantDenied: true},
		{name: "wrong command", in: msg(0, 4, 0, 1, 0, 0), wantProto: "reply command is 4", wantOffset: 8},
		{name: "not v0", in: []byte{0, 0, 0, 1, 0, 0, 0, 14, 0, 3, 0, 1, 0, 10}, wantProto: "does not speak SCP v0", wantOffset: 0},
		{name: "size too small", in: []byte{0, 0, 0, 0, 0, 0, 0, 13, 0, 3, 0, 1, 0}, wantProto: "reply size 13", wantOffset: 4},
		{name: "size too large", in: []byte{0, 0, 0, 0, 0, 0, 0x20, 1}, wantProto: "reply size 8193", wantOffset: 4},
		{name: "empty", in: nil, wantProto: "closed after 0 bytes", wantOffset: 0},
		{name: "short header", in: []byte{0, 0, 0}, wantProto: "closed after 3 bytes", wantOffset: 3},
		{name: "short body", in: []byte{0, 0, 0, 0, 0, 0, 0, 30, 0, 3, 0, 1}, wantProto: "closed after 12 of 30", wantOffset: 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := readReply(bytes.NewReader(tt.in))
			var got Reply
			if err == nil {
				got, err = sessionReply(rep)
			}
			var denied *DeniedError
			var proto *ProtocolError
			switch {
			case tt.wantDenied:
				if !errors.As(err, &denied) {
					t.Fatalf("err = %v, want *DeniedError", err)
				}
			case tt.wantProto != "":
				if !errors.As(err, &proto) || !strings.Contains(err.Error(), tt.wantProto) {
					t.Fatalf("err = %v, want *ProtocolError mentioning %q", err, tt.wantProto)
				}
				if proto.Offset != tt.wantOffset {
					t.Fatalf("offset = %d, want %d", proto.Offset, tt.wantOffset)
				}
			default:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got != tt.want {
					t.Fatalf("reply = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestReadAuthReply(t *testing.T) {
	rep, err := readReply(bytes.NewReader(msg(0, 4, 0, 0, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := authReply(rep); err != nil {
		t.Fatalf("auth ok: %v", err)
	}
	rep, _ = readReply(bytes.NewReader(msg(0, 4, 0, 7, 0, 0)))
	var denied *DeniedError
	if err := authReply(rep); !errors.As(err, &denied) || denied.Status != 7 || !denied.Auth {
		t.Fatalf("auth with PAM code 7: err = %v", err)
	}
}

// FuzzReadReply: any byte stream gives a reply or an error, never a panic,
// and never reads past the size the header announced.
func FuzzReadReply(f *testing.F) {
	f.Add(msg(0, 3, 0, 1, 0, 10))
	f.Add(msg(append([]byte{0, 3, 0, 1, 0, 10}, make([]byte, 16)...)...))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 14})
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		rep, err := readReply(r)
		if err != nil {
			var proto *ProtocolError
			if !errors.As(err, &proto) {
				t.Fatalf("error is %T (%v), want *ProtocolError", err, err)
			}
			if proto.Offset < 0 || proto.Offset > len(in) {
				t.Fatalf("offset %d outside input of %d bytes", proto.Offset, len(in))
			}
			return
		}
		size := int(binary.BigEndian.Uint32(in[4:8]))
		if consumed := len(in) - r.Len(); consumed != size {
			t.Fatalf("consumed %d bytes, header said %d", consumed, size)
		}
		got, err := sessionReply(rep)
		if err == nil && got.Display != int(binary.BigEndian.Uint16(in[12:14])) {
			t.Fatalf("display %d does not match bytes", got.Display)
		}
		_ = authReply(rep)
	})
}
