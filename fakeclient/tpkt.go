package fakeclient

import (
	"errors"
	"fmt"
	"io"
)

// Every server PDU arrives either in a TPKT ([MS-RDPBCGR] 2.2.1.1 tpktHeader,
// T.123 section 8) or as a fast-path output PDU ([MS-RDPBCGR] 2.2.9.1.2);
// the first byte tells which.

const (
	tpktVersion   = 3
	tpktHeaderLen = 4
	// fastPathActionMask selects actionCode in fpOutputHeader; 0 is
	// FASTPATH_OUTPUT_ACTION_FASTPATH, 3 (a TPKT's version) is X.224.
	fastPathActionMask = 0x03
)

type frameKind uint8

const (
	frameTPKT frameKind = iota + 1
	frameFastPath
)

func (k frameKind) String() string {
	switch k {
	case frameTPKT:
		return "TPKT"
	case frameFastPath:
		return "fast-path"
	}
	return "frame"
}

// frame is one PDU as read off the wire: its kind, its full length and the
// prefix of it that was kept (header included). Update payloads are never
// kept in full: parsers only look at headers.
type frame struct {
	kind  frameKind
	total int
	b     []byte
}

// truncated reports whether bytes of the frame were discarded unread.
func (f frame) truncated() bool { return len(f.b) < f.total }

// readFrame reads the next frame from r, keeping at most keep bytes of it in
// *buf (grown when needed) and discarding the rest, so a client's memory does
// not grow with the size of the screen updates it receives.
func readFrame(r io.Reader, buf *[]byte, keep int) (frame, error) {
	if cap(*buf) < 4 {
		*buf = make([]byte, 0, 64)
	}
	h := (*buf)[:4]
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return frame{}, err
	}
	var f frame
	hdr := 2
	switch {
	case h[0] == tpktVersion:
		if _, err := io.ReadFull(r, h[2:4]); err != nil {
			return frame{}, noEOF(err)
		}
		hdr = 4
		f.kind = frameTPKT
		f.total = int(h[2])<<8 | int(h[3])
		if f.total < tpktHeaderLen {
			return frame{}, protoErr("TPKT header", 2, "length %d shorter than its header", f.total)
		}
	case h[0]&fastPathActionMask == 0:
		f.kind = frameFastPath
		f.total = int(h[1])
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(r, h[2:3]); err != nil {
				return frame{}, noEOF(err)
			}
			hdr = 3
			f.total = int(h[1]&0x7f)<<8 | int(h[2])
		}
		if f.total < hdr {
			return frame{}, protoErr("fast-path header", 1, "length %d shorter than its header", f.total)
		}
	default:
		return frame{}, protoErr("frame", 0, "first byte 0x%02x is neither TPKT nor fast-path", h[0])
	}
	n := min(f.total, max(keep, hdr))
	if cap(*buf) < n {
		nb := make([]byte, n)
		copy(nb, h[:hdr])
		*buf = nb[:0]
	}
	f.b = (*buf)[:n]
	if _, err := io.ReadFull(r, f.b[hdr:n]); err != nil {
		return frame{}, noEOF(err)
	}
	if rest := f.total - n; rest > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(rest)); err != nil {
			return frame{}, noEOF(err)
		}
	}
	return f, nil
}

// noEOF turns a clean EOF inside a frame into ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendTPKT appends a TPKT header for a payload of n bytes.
func appendTPKT(b []byte, n int) []byte {
	return append(b, tpktVersion, 0, byte((n+tpktHeaderLen)>>8), byte(n+tpktHeaderLen))
}

// checkTPKTLen rejects payloads that cannot be framed.
func checkTPKTLen(n int) error {
	if n+tpktHeaderLen > 0xffff {
		return fmt.Errorf("fakeclient: frame pdu: %d bytes exceed a TPKT", n)
	}
	return nil
}
