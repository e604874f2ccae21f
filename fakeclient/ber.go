package fakeclient

// The subset of BER (X.690) that the MCS Connect-Initial and Connect-Response
// PDUs use ([MS-RDPBCGR] 2.2.1.3 and 2.2.1.4, T.125 section 11).

const (
	berBoolean     = 0x01
	berInteger     = 0x02
	berOctetString = 0x04
	berEnumerated  = 0x0a
	berSequence    = 0x30 // constructed SEQUENCE

	// MCS application tags, encoded as the two-byte form 0x7f NN.
	tagConnectInitial  = 101
	tagConnectResponse = 102
)

// appendBERLen appends a definite length (short form below 128, long form
// with one or two length bytes above).
func appendBERLen(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n < 0x100:
		return append(b, 0x81, byte(n))
	default:
		return append(b, 0x82, byte(n>>8), byte(n))
	}
}

func appendBERTLV(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = appendBERLen(b, len(v))
	return append(b, v...)
}

// appendBERInt appends a non-negative INTEGER in its minimal form.
func appendBERInt(b []byte, v uint32) []byte {
	var tmp [5]byte
	n := 0
	for i := 3; i >= 0; i-- {
		c := byte(v >> (8 * i))
		if n == 0 && c == 0 && i > 0 {
			continue
		}
		if n == 0 && c&0x80 != 0 {
			tmp[n] = 0 // keep it positive
			n++
		}
		tmp[n] = c
		n++
	}
	return appendBERTLV(b, berInteger, tmp[:n])
}

// appendBERAppTag appends an application tag with the two-byte identifier
// (0x7f, number) MCS uses, and a length.
func appendBERAppTag(b []byte, num byte, n int) []byte {
	b = append(b, 0x7f, num)
	return appendBERLen(b, n)
}

// berLen reads a definite length.
func (r *reader) berLen() int {
	c := r.u8()
	if c < 0x80 {
		return int(c)
	}
	k := int(c & 0x7f)
	if k == 0 || k > 2 {
		r.off--
		r.fail("BER length form 0x%02x not supported", c)
		return 0
	}
	n := 0
	for i := 0; i < k; i++ {
		n = n<<8 | int(r.u8())
	}
	if r.err != nil {
		return 0
	}
	return n
}

// berTag reads a universal tag byte and checks it, then returns its length.
func (r *reader) berTag(tag byte) int {
	c := r.u8()
	if r.err != nil {
		return 0
	}
	if c != tag {
		r.off--
		r.fail("BER tag 0x%02x, want 0x%02x", c, tag)
		return 0
	}
	return r.berLen()
}

// berAppTag reads a two-byte application tag and returns its length.
func (r *reader) berAppTag(num byte) int {
	a, c := r.u8(), r.u8()
	if r.err != nil {
		return 0
	}
	if a != 0x7f || c != num {
		r.off -= 2
		r.fail("BER application tag 0x%02x%02x, want 0x7f%02x", a, c, num)
		return 0
	}
	return r.berLen()
}

// berUint reads an INTEGER or ENUMERATED of at most 4 bytes.
func (r *reader) berUint(tag byte) uint32 {
	n := r.berTag(tag)
	if r.err != nil {
		return 0
	}
	if n < 1 || n > 5 {
		r.fail("BER integer of %d bytes", n)
		return 0
	}
	var v uint32
	for _, c := range r.bytes(n) {
		v = v<<8 | uint32(c)
	}
	return v
}
