package fakeclient

import "fmt"

// X.224 (ISO 8073 class 0) TPDUs as RDP uses them, [MS-RDPBCGR] 2.2.1.1,
// 2.2.1.2 and 2.2.1.1.1 (RDP_NEG_REQ).

const (
	x224CR = 0xe0 // Connection Request
	x224CC = 0xd0 // Connection Confirm
	x224DR = 0x80 // Disconnect Request
	x224DT = 0xf0 // Data

	negTypeReq     = 0x01 // TYPE_RDP_NEG_REQ
	negTypeRsp     = 0x02 // TYPE_RDP_NEG_RSP
	negTypeFailure = 0x03 // TYPE_RDP_NEG_FAILURE

	protocolRDP = 0x00000000 // PROTOCOL_RDP (standard RDP security)
	protocolSSL = 0x00000001 // PROTOCOL_SSL (TLS)

	x224DataHeaderLen = 3 // LI, DT|EOT code, EOT flag
)

// x224ConnectionRequest is the client X.224 Connection Request PDU
// ([MS-RDPBCGR] 2.2.1.1): a routing cookie as mstsc sends it, then an
// RDP_NEG_REQ asking for TLS only.
func x224ConnectionRequest(cookie string) []byte {
	var tok string
	if cookie != "" {
		tok = "Cookie: mstshash=" + cookie + "\r\n"
	}
	li := 6 + len(tok) + 8
	b := make([]byte, 0, tpktHeaderLen+1+li)
	b = appendTPKT(b, 1+li)
	b = append(b, byte(li), x224CR, 0, 0, 0, 0, 0)
	b = append(b, tok...)
	b = append(b, negTypeReq, 0)
	b = le16(b, 8)
	b = le32(b, protocolSSL)
	return b
}

// negResult is what the Connection Confirm said.
type negResult struct {
	selected uint32
	flags    uint8
}

// parseConnectionConfirm parses the server X.224 Connection Confirm PDU
// ([MS-RDPBCGR] 2.2.1.2) carried in f. A RDP_NEG_FAILURE comes back as an
// *Error with ReasonNegotiation and its failureCode.
func parseConnectionConfirm(f frame) (negResult, *Error) {
	const pdu = "X.224 Connection Confirm"
	if f.kind != frameTPKT {
		return negResult{}, protoErr(pdu, 0, "got a %s frame", f.kind)
	}
	r := newReader(f.b, 0, pdu)
	r.skip(tpktHeaderLen)
	li := int(r.u8())
	code := r.u8()
	if r.err != nil {
		return negResult{}, r.err
	}
	if code&0xf0 == x224DR {
		return negResult{}, &Error{Reason: ReasonRefused, PDU: "X.224 Disconnect Request", Offset: -1,
			Err: fmt.Errorf("server sent X.224 Disconnect Request instead of Connection Confirm")}
	}
	if code&0xf0 != x224CC {
		r.off--
		r.fail("TPDU code 0x%02x is not a Connection Confirm", code)
		return negResult{}, r.err
	}
	if li < 6 || li+5 > len(f.b) {
		r.off -= 2
		r.fail("length indicator %d does not fit a %d-byte frame", li, len(f.b))
		return negResult{}, r.err
	}
	r.skip(5) // DST-REF, SRC-REF, class option
	if li == 6 {
		// No RDP_NEG_RSP: a legacy server that only speaks standard RDP
		// security, which this client does not.
		return negResult{selected: protocolRDP}, &Error{Reason: ReasonNegotiation, PDU: pdu, Offset: -1,
			Err: fmt.Errorf("server did not negotiate (standard RDP security only)")}
	}
	typ := r.u8()
	flags := r.u8()
	ln := r.u16le()
	val := r.u32le()
	if r.err != nil {
		return negResult{}, r.err
	}
	if ln != 8 {
		r.off -= 6
		r.fail("negotiation length %d, want 8", ln)
		return negResult{}, r.err
	}
	switch typ {
	case negTypeRsp:
		if val != protocolSSL {
			return negResult{selected: val, flags: flags}, &Error{Reason: ReasonNegotiation, PDU: "RDP_NEG_RSP", Offset: -1,
				Err: fmt.Errorf("server selected protocol 0x%x, want PROTOCOL_SSL", val)}
		}
		return negResult{selected: val, flags: flags}, nil
	case negTypeFailure:
		return negResult{}, &Error{Reason: ReasonNegotiation, PDU: "RDP_NEG_FAILURE", Offset: -1, Code: val}
	}
	r.off -= 8
	r.fail("negotiation type 0x%02x is neither RDP_NEG_RSP nor RDP_NEG_FAILURE", typ)
	return negResult{}, r.err
}

// appendX224Data appends the X.224 Data TPDU header (LI 2, DT, EOT).
func appendX224Data(b []byte) []byte { return append(b, 2, x224DT, 0x80) }

// parseX224Data checks a TPKT frame holds an X.224 Data TPDU and returns a
// reader positioned on its payload. A Disconnect Request is reported as a
// server disconnect.
func parseX224Data(f frame, pdu string) (*reader, *Error) {
	r := newReader(f.b, 0, pdu)
	r.skip(tpktHeaderLen)
	li := r.u8()
	code := r.u8()
	if r.err != nil {
		return nil, r.err
	}
	if code&0xf0 == x224DR {
		return nil, &Error{Reason: ReasonServerDisconnect, PDU: "X.224 Disconnect Request", Offset: -1}
	}
	if code != x224DT || li != 2 {
		r.off -= 2
		r.fail("X.224 TPDU LI %d code 0x%02x is not a Data TPDU", li, code)
		return nil, r.err
	}
	r.skip(1)
	return r, r.err
}
