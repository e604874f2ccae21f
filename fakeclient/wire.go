package fakeclient

import "encoding/binary"

// reader walks one received frame. The first short read or bad value sticks
// in err as a protocol *Error naming the PDU and the byte offset inside the
// frame, so parsers read straight through and check err once.
type reader struct {
	b    []byte
	off  int // position in b
	base int // offset of b[0] inside the frame, for error reports
	pdu  string
	err  *Error
}

func newReader(b []byte, base int, pdu string) *reader {
	return &reader{b: b, base: base, pdu: pdu}
}

// pos is the current offset inside the frame.
func (r *reader) pos() int { return r.base + r.off }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = protoErr(r.pdu, r.pos(), format, args...)
	}
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = &Error{Reason: ReasonProtocol, PDU: r.pdu, Offset: r.pos(), Err: errShort}
		return false
	}
	return true
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) u8() uint8 {
	if !r.need(1) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16le() uint16 {
	if !r.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u16be() uint16 {
	if !r.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32le() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

// sub returns a reader over the next n bytes (offsets stay frame-relative)
// and advances past them.
func (r *reader) sub(n int, pdu string) *reader {
	start := r.pos()
	b := r.bytes(n)
	s := newReader(b, start, pdu)
	if r.err != nil {
		s.err = r.err
	}
	return s
}

// rest returns a reader over what is left.
func (r *reader) rest(pdu string) *reader { return r.sub(r.left(), pdu) }

// utf16le appends s as UTF-16LE code units (no terminator). Strings here are
// user names and host names, so code points above U+FFFF are encoded as
// surrogate pairs like any Windows client would.
func utf16le(b []byte, s string) []byte {
	for _, c := range s {
		if c >= 0x10000 {
			c -= 0x10000
			b = binary.LittleEndian.AppendUint16(b, uint16(0xd800+(c>>10)))
			b = binary.LittleEndian.AppendUint16(b, uint16(0xdc00+(c&0x3ff)))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(c))
	}
	return b
}

// utf16len is the byte length of s in UTF-16.
func utf16len(s string) int {
	n := 0
	for _, c := range s {
		if c >= 0x10000 {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func be16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
