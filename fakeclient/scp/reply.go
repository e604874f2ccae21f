package scp

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// Reply is sesman's answer to a granted session request.
type Reply struct {
	Display int // X display number; Xvnc listens on 5900+Display
	// GUID identifies the session; sesman keeps it across reconnects and
	// derives the Xvnc password from it. HasGUID is false for sesman
	// versions whose reply is the bare 14 bytes.
	GUID    [guidSize]byte
	HasGUID bool
}

// GUIDHex is the GUID as xrdp prints it (lowercase hex, 32 characters), or
// "" when the reply carried none.
func (r Reply) GUIDHex() string {
	if !r.HasGUID {
		return ""
	}
	return hex.EncodeToString(r.GUID[:])
}

// VNCPassword is the password xrdp's VNC module uses for this session's
// Xvnc, or "" when the reply carried no GUID.
func (r Reply) VNCPassword() string {
	if !r.HasGUID {
		return ""
	}
	return VNCPassword(r.GUIDHex())
}

// reply is one decoded v0 reply message, before it is judged.
type reply struct {
	cmd, status, display uint16
	guid                 []byte
	raw                  []byte
}

// readReply reads exactly one v0 message from r and decodes the fields both
// reply kinds share (cmd, status, display) plus the optional GUID. It never
// reads past the size the header announces.
func readReply(r io.Reader) (reply, error) {
	var hdr [headerSize]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil {
		if closed(err) {
			how := "closed"
			if errors.Is(err, syscall.ECONNRESET) {
				how = "reset"
			}
			why := ""
			if n == 0 {
				// Both look the same from here: xrdp 0.10 sesman logs
				// "Unexpected version number 0 from IPM" and drops the
				// connection; docker-proxy accepts on a published port and
				// drops it when nothing listens inside the container.
				why = " (the server does not speak SCP v0, e.g. xrdp 0.10 sesman, or nothing listens behind a published port)"
			}
			return reply{}, &ProtocolError{Offset: n, Reason: fmt.Sprintf("connection %s after %d bytes of the reply header%s", how, n, why), Received: hdr[:n]}
		}
		return reply{}, err
	}
	version := binary.BigEndian.Uint32(hdr[0:4])
	size := binary.BigEndian.Uint32(hdr[4:8])
	if version != 0 {
		return reply{}, &ProtocolError{Offset: 0, Reason: fmt.Sprintf("server does not speak SCP v0: header version is %d", version), Received: hdr[:]}
	}
	if size < headerSize+6 || size > maxMessage {
		return reply{}, &ProtocolError{Offset: 4, Reason: fmt.Sprintf("reply size %d is outside %d..%d", size, headerSize+6, maxMessage), Received: hdr[:]}
	}
	msg := make([]byte, size)
	copy(msg, hdr[:])
	n, err = io.ReadFull(r, msg[headerSize:])
	if err != nil {
		if closed(err) {
			return reply{}, &ProtocolError{Offset: headerSize + n, Reason: fmt.Sprintf("connection closed after %d of %d reply bytes", headerSize+n, size), Received: msg[:headerSize+n]}
		}
		return reply{}, err
	}
	rep := reply{
		cmd:     binary.BigEndian.Uint16(msg[8:10]),
		status:  binary.BigEndian.Uint16(msg[10:12]),
		display: binary.BigEndian.Uint16(msg[12:14]),
		raw:     msg,
	}
	if len(msg) >= 14+guidSize {
		rep.guid = msg[14 : 14+guidSize]
	}
	return rep, nil
}

// sessionReply judges a reply to a session request.
func sessionReply(rep reply) (Reply, error) {
	if rep.cmd != cmdSession {
		return Reply{}, &ProtocolError{Offset: 8, Reason: fmt.Sprintf("reply command is %d, want %d", rep.cmd, cmdSession), Received: rep.raw}
	}
	if rep.status != 1 {
		return Reply{}, &DeniedError{Status: rep.status, Display: rep.display}
	}
	out := Reply{Display: int(rep.display)}
	if rep.guid != nil {
		copy(out.GUID[:], rep.guid)
		out.HasGUID = true
	}
	return out, nil
}

// authReply judges a reply to an authentication request: status is the PAM
// error code, 0 when the user may log in; sesman adds 32+3 when the password
// is right but the user is not in the allowed groups.
func authReply(rep reply) error {
	if rep.cmd != cmdAuth {
		return &ProtocolError{Offset: 8, Reason: fmt.Sprintf("reply command is %d, want %d", rep.cmd, cmdAuth), Received: rep.raw}
	}
	if rep.status != 0 {
		return &DeniedError{Auth: true, Status: rep.status}
	}
	return nil
}

// closed: the peer ended the connection (EOF or reset) mid-read.
func closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}
