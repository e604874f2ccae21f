package scp

import (
	"encoding/binary"
	"fmt"
)

// Wire constants from xrdp's libscp (sesman/libscp/libscp_v0.c, libscp_types.h).
const (
	headerSize = 8
	// maxMessage is sesman's SCP_MAX_MESSAGE_SIZE: larger messages are
	// dropped as size errors.
	maxMessage = 8192
	// maxString is libscp_v0.c's STRING16_MAX_LEN: sesman refuses longer
	// strings (0.9.16+).
	maxString = 512

	cmdSession = 3 // reply code of a session request
	cmdAuth    = 4 // SCP_GW_AUTHENTICATION: request and reply code

	guidSize = 16
)

// SessionType is the u16 code that opens a v0 request and picks the X
// server sesman starts.
type SessionType uint16

const (
	Xvnc   SessionType = 0
	X11rdp SessionType = 10
	Xorg   SessionType = 20 // 0.9.x sesman forces bpp 24 for Xorg
)

func (t SessionType) String() string {
	switch t {
	case Xvnc:
		return "Xvnc"
	case X11rdp:
		return "X11rdp"
	case Xorg:
		return "Xorg"
	}
	return fmt.Sprintf("SessionType(%d)", uint16(t))
}

// SessionRequest is what xrdp sends to sesman when a user logs in. With
// Policy=Default sesman reconnects a request to an existing session of the
// same user and bpp; width and height only size a new session.
type SessionRequest struct {
	Type     SessionType // zero value: Xvnc
	Username string
	Password string
	Width    uint16 // zero: 1024
	Height   uint16 // zero: 768
	BPP      uint16 // zero: 24
	// Optional trailer strings; xrdp always sends all four, so this client
	// does too (empty strings are sent with length 0). sesman logs ClientIP
	// in its "++ created session" and "++ reconnected session" lines.
	Domain    string
	Program   string
	Directory string
	ClientIP  string
}

func (r SessionRequest) withDefaults() SessionRequest {
	if r.Width == 0 {
		r.Width = 1024
	}
	if r.Height == 0 {
		r.Height = 768
	}
	if r.BPP == 0 {
		r.BPP = 24
	}
	return r
}

// Validate reports every problem that would make sesman drop the request.
func (r SessionRequest) Validate() []error {
	var errs []error
	switch r.Type {
	case Xvnc, X11rdp, Xorg:
	default:
		errs = append(errs, fmt.Errorf("scp: session type %d is not 0 (Xvnc), 10 (X11rdp) or 20 (Xorg)", uint16(r.Type)))
	}
	if r.Username == "" {
		errs = append(errs, fmt.Errorf("scp: username is empty"))
	}
	for _, f := range []struct{ name, v string }{
		{"username", r.Username}, {"password", r.Password}, {"domain", r.Domain},
		{"program", r.Program}, {"directory", r.Directory}, {"client ip", r.ClientIP},
	} {
		if len(f.v) > maxString {
			errs = append(errs, fmt.Errorf("scp: %s is %d bytes, sesman accepts at most %d", f.name, len(f.v), maxString))
		}
	}
	switch r.BPP {
	case 0, 8, 15, 16, 24, 32:
	default:
		errs = append(errs, fmt.Errorf("scp: bpp %d is not one of 8, 15, 16, 24, 32", r.BPP))
	}
	return errs
}

// MarshalBinary encodes the request as one complete v0 message (header
// included), after applying the zero-value defaults.
func (r SessionRequest) MarshalBinary() ([]byte, error) {
	if errs := r.Validate(); len(errs) > 0 {
		return nil, errs[0]
	}
	r = r.withDefaults()
	b := make([]byte, headerSize, 64+len(r.Username)+len(r.Password)+len(r.Domain)+len(r.Program)+len(r.Directory)+len(r.ClientIP))
	b = binary.BigEndian.AppendUint16(b, uint16(r.Type))
	b = appendString16(b, r.Username)
	b = appendString16(b, r.Password)
	b = binary.BigEndian.AppendUint16(b, r.Width)
	b = binary.BigEndian.AppendUint16(b, r.Height)
	b = binary.BigEndian.AppendUint16(b, r.BPP)
	b = appendString16(b, r.Domain)
	b = appendString16(b, r.Program)
	b = appendString16(b, r.Directory)
	b = appendString16(b, r.ClientIP)
	return finish(b)
}

// authRequest is the SCP_GW_AUTHENTICATION request: credentials only.
func authRequest(username, password string) ([]byte, error) {
	if username == "" {
		return nil, fmt.Errorf("scp: username is empty")
	}
	if len(username) > maxString || len(password) > maxString {
		return nil, fmt.Errorf("scp: username or password longer than %d bytes", maxString)
	}
	b := make([]byte, headerSize, headerSize+6+len(username)+len(password))
	b = binary.BigEndian.AppendUint16(b, cmdAuth)
	b = appendString16(b, username)
	b = appendString16(b, password)
	return finish(b)
}

func appendString16(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// finish fills in the header of a message built after headerSize
// placeholder bytes.
func finish(b []byte) ([]byte, error) {
	if len(b) > maxMessage {
		return nil, fmt.Errorf("scp: request is %d bytes, sesman accepts at most %d", len(b), maxMessage)
	}
	binary.BigEndian.PutUint32(b[0:4], 0)
	binary.BigEndian.PutUint32(b[4:8], uint32(len(b)))
	return b, nil
}
