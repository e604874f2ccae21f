package fakeclient

// The subset of ALIGNED PER (X.691) that GCC (T.124) and the MCS domain PDUs
// (T.125) use in the RDP connection sequence ([MS-RDPBCGR] 2.2.1.3.1,
// 2.2.1.4.1, 2.2.1.5 to 2.2.1.9).

// appendPERLen appends a length determinant. Lengths of 128 and more take
// two bytes with the top bit set. xrdp skips a fixed 23-byte GCC prefix that
// assumes the two-byte form, so callers that feed xrdp's GCC parser pass
// long=true to force it.
func appendPERLen(b []byte, n int, long bool) []byte {
	if n < 0x80 && !long {
		return append(b, byte(n))
	}
	return append(b, 0x80|byte(n>>8), byte(n))
}

// perLen reads a length determinant.
func (r *reader) perLen() int {
	c := r.u8()
	if c&0x80 == 0 {
		return int(c)
	}
	if c&0x40 != 0 {
		r.off--
		r.fail("PER fragmented length 0x%02x not supported", c)
		return 0
	}
	return int(c&0x3f)<<8 | int(r.u8())
}

// t124Identifier is the OBJECT IDENTIFIER {itu-t(0) recommendation(0) t(20)
// t124(124) version(0) 1} as the Key of the ConnectData, PER-encoded
// ([MS-RDPBCGR] 2.2.1.3.1): choice 0 (object), length 5, the OID bytes.
var t124Identifier = [...]byte{0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01}

// h221ClientKey and h221ServerKey are the H.221 non-standard keys that tag
// the user data of the GCC Conference Create Request and Response.
var (
	h221ClientKey = [...]byte{'D', 'u', 'c', 'a'}
	h221ServerKey = [...]byte{'M', 'c', 'D', 'n'}
)
