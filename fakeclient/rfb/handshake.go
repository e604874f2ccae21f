package rfb

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// Security types (RFC 6143 7.1.2 and the IANA registry).
const (
	secInvalid = 0
	secNone    = 1
	secVNCAuth = 2
)

// maxString bounds the reason and name strings a server may send, so a
// broken server cannot make the probe allocate gigabytes.
const maxString = 1 << 16

// Result is what the probe learnt. Server answers (a refusal, a failed
// authentication) are results, not errors.
type Result struct {
	Banner string `json:"banner"` // the server's ProtocolVersion without the newline, e.g. "RFB 003.008"
	// Version is the protocol version the probe spoke: "3.3", "3.7" or "3.8".
	Version string `json:"version"`
	// SecurityTypes lists what the server offered (3.7+), or the single
	// type it imposed (3.3).
	SecurityTypes []int `json:"securityTypes"`
	// Reason is the server's text when it refused the connection or the
	// authentication (TigerVNC: "Authentication failure", "Too many
	// security failures").
	Reason    string `json:"reason,omitempty"`
	AuthTried bool   `json:"authTried"` // VNC authentication was attempted
	AuthOK    bool   `json:"authOK"`    // security passed (VNC auth or None)
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Name      string `json:"name,omitempty"` // desktop name from ServerInit
}

// handshake runs the client side of the RFB handshake over rw. With an
// empty password it stops after the security types unless the server
// offers None.
func handshake(rw io.ReadWriter, password string, res *Result) error {
	var banner [12]byte
	if _, err := io.ReadFull(rw, banner[:]); err != nil {
		return readErr("banner", err)
	}
	major, minor, err := parseBanner(banner)
	if err != nil {
		return err
	}
	res.Banner = string(banner[:11])
	// Speak the highest version both know; servers announcing something
	// odd (3.5, 3.889 from Apple) are treated as 3.3 per RFC 6143 7.1.1.
	switch {
	case major > 3 || (major == 3 && minor >= 8):
		minor = 8
	case major == 3 && minor == 7:
	default:
		minor = 3
	}
	res.Version = "3." + strconv.Itoa(minor)
	if _, err := fmt.Fprintf(rw, "RFB 003.%03d\n", minor); err != nil {
		return err
	}

	chosen, err := negotiateSecurity(rw, minor, password, res)
	if err != nil || chosen == secInvalid {
		return err
	}
	if chosen == secVNCAuth {
		res.AuthTried = true
		var challenge [16]byte
		if _, err := io.ReadFull(rw, challenge[:]); err != nil {
			return readErr("auth", err)
		}
		resp := vncAuthResponse(password, challenge)
		if _, err := rw.Write(resp[:]); err != nil {
			return err
		}
	}
	// SecurityResult: always after VNC auth; after None only in 3.8.
	if chosen == secVNCAuth || minor == 8 {
		ok, err := readSecurityResult(rw, minor, res)
		if err != nil || !ok {
			return err
		}
	}
	res.AuthOK = true

	// ClientInit: shared, so xrdp's own connection stays up.
	if _, err := rw.Write([]byte{1}); err != nil {
		return err
	}
	return readServerInit(rw, res)
}

// parseBanner checks "RFB xxx.yyy\n" and returns the numbers.
func parseBanner(b [12]byte) (major, minor int, err error) {
	if string(b[0:4]) != "RFB " || b[7] != '.' || b[11] != '\n' {
		return 0, 0, &ProtocolError{Step: "banner", Reason: fmt.Sprintf("%q is not an RFB ProtocolVersion", b[:])}
	}
	major, err1 := strconv.Atoi(string(b[4:7]))
	minor, err2 := strconv.Atoi(string(b[8:11]))
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, &ProtocolError{Step: "banner", Reason: fmt.Sprintf("%q has no version numbers", b[:])}
	}
	return major, minor, nil
}

// negotiateSecurity reads the offered types and picks None, or VNC auth
// when a password is given. It returns secInvalid when the probe stops
// here (no usable type, or the server refused with a reason).
func negotiateSecurity(rw io.ReadWriter, minor int, password string, res *Result) (int, error) {
	if minor == 3 {
		// 3.3: the server imposes one type as a u32.
		var b [4]byte
		if _, err := io.ReadFull(rw, b[:]); err != nil {
			return secInvalid, readErr("security", err)
		}
		t := binary.BigEndian.Uint32(b[:])
		res.SecurityTypes = []int{int(t)}
		switch {
		case t == secInvalid:
			reason, err := readString(rw, "security")
			res.Reason = reason
			return secInvalid, err
		case t == secNone:
			return secNone, nil
		case t == secVNCAuth && password != "":
			return secVNCAuth, nil
		case t == secVNCAuth:
			return secInvalid, nil
		}
		return secInvalid, &ProtocolError{Step: "security", Reason: fmt.Sprintf("RFB 3.3 security type %d is not 0, 1 or 2", t)}
	}

	var n [1]byte
	if _, err := io.ReadFull(rw, n[:]); err != nil {
		return secInvalid, readErr("security", err)
	}
	if n[0] == 0 {
		res.SecurityTypes = []int{}
		reason, err := readString(rw, "security")
		res.Reason = reason
		return secInvalid, err
	}
	types := make([]byte, n[0])
	if _, err := io.ReadFull(rw, types); err != nil {
		return secInvalid, readErr("security", err)
	}
	res.SecurityTypes = make([]int, len(types))
	chosen := secInvalid
	for i, t := range types {
		res.SecurityTypes[i] = int(t)
		if t == secNone {
			chosen = secNone
		}
		if t == secVNCAuth && password != "" && chosen == secInvalid {
			chosen = secVNCAuth
		}
	}
	if chosen == secInvalid {
		return secInvalid, nil
	}
	_, err := rw.Write([]byte{byte(chosen)})
	return chosen, err
}

// readSecurityResult reads the u32 result (0 ok) and, in 3.8, the reason
// that follows a failure.
func readSecurityResult(r io.Reader, minor int, res *Result) (bool, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false, readErr("security-result", err)
	}
	switch v := binary.BigEndian.Uint32(b[:]); v {
	case 0:
		return true, nil
	case 1, 2: // 2 is "too many attempts" in some 3.3-era servers
		if minor == 8 {
			reason, err := readString(r, "security-result")
			res.Reason = reason
			return false, err
		}
		res.Reason = "authentication failed"
		return false, nil
	default:
		return false, &ProtocolError{Step: "security-result", Reason: fmt.Sprintf("result %d is not 0 or 1", v)}
	}
}

// readServerInit reads RFC 6143 7.3.2: u16 width, u16 height, 16-byte
// pixel format, u32 name length, name.
func readServerInit(r io.Reader, res *Result) error {
	var b [2 + 2 + 16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return readErr("server-init", err)
	}
	res.Width = int(binary.BigEndian.Uint16(b[0:2]))
	res.Height = int(binary.BigEndian.Uint16(b[2:4]))
	name, err := readString(r, "server-init")
	res.Name = name
	return err
}

// readString reads a u32-length string, refusing absurd lengths.
func readString(r io.Reader, step string) (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", readErr(step, err)
	}
	n := binary.BigEndian.Uint32(b[:])
	if n > maxString {
		return "", &ProtocolError{Step: step, Reason: fmt.Sprintf("string length %d exceeds %d", n, maxString)}
	}
	s := make([]byte, n)
	if _, err := io.ReadFull(r, s); err != nil {
		return "", readErr(step, err)
	}
	return string(s), nil
}

// readErr turns a short read into a ProtocolError naming the step; other
// errors (timeouts, resets) pass through for the caller to classify.
func readErr(step string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &ProtocolError{Step: step, Reason: "connection closed by the server"}
	}
	return err
}
