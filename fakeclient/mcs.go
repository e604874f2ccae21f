package fakeclient

import (
	"fmt"
)

// MCS (T.125) PDUs of the RDP connection sequence: Connect-Initial and
// Connect-Response in BER ([MS-RDPBCGR] 2.2.1.3, 2.2.1.4), the domain PDUs
// in PER (2.2.1.5 Erect Domain, 2.2.1.6/7 Attach User, 2.2.1.8/9 Channel
// Join, Send Data Request/Indication, Disconnect Provider Ultimatum).

const (
	mcsErectDomainRequest = 1
	mcsDPUM               = 8 // Disconnect Provider Ultimatum
	mcsAttachUserRequest  = 10
	mcsAttachUserConfirm  = 11
	mcsChannelJoinRequest = 14
	mcsChannelJoinConfirm = 15
	mcsSendDataRequest    = 25
	mcsSendDataIndication = 26

	mcsUserChannelBase = 1001 // user IDs are sent as offsets from this

	pduDPUM = "MCS Disconnect Provider Ultimatum"

	dpumUserRequested = 3 // rn-user-requested
)

// dpumReasons names the T.125 Reason values of a Disconnect Provider
// Ultimatum.
var dpumReasons = [...]string{
	"rn-domain-disconnected", "rn-provider-initiated", "rn-token-purged",
	"rn-user-requested", "rn-channel-purged",
}

// appendDomainParams appends a DomainParameters SEQUENCE.
func appendDomainParams(b []byte, v [8]uint32) []byte {
	var in []byte
	for _, x := range v {
		in = appendBERInt(in, x)
	}
	return appendBERTLV(b, berSequence, in)
}

// mcsConnectInitial builds the whole client MCS Connect Initial PDU (TPKT,
// X.224 Data, BER body) around the GCC Conference Create Request.
func mcsConnectInitial(gcc []byte) []byte {
	body := make([]byte, 0, 128+len(gcc))
	body = append(body, berOctetString, 1, 1) // callingDomainSelector
	body = append(body, berOctetString, 1, 1) // calledDomainSelector
	body = append(body, berBoolean, 1, 0xff)  // upwardFlag
	// targetParameters, minimumParameters, maximumParameters as mstsc sends
	// them (maxChannelIds, maxUserIds, maxTokenIds, numPriorities,
	// minThroughput, maxHeight, maxMCSPDUsize, protocolVersion).
	body = appendDomainParams(body, [8]uint32{34, 2, 0, 1, 0, 1, 65535, 2})
	body = appendDomainParams(body, [8]uint32{1, 1, 1, 1, 0, 1, 1056, 2})
	body = appendDomainParams(body, [8]uint32{65535, 64535, 65535, 1, 0, 1, 65535, 2})
	body = appendBERTLV(body, berOctetString, gcc)
	tag := appendBERAppTag(make([]byte, 0, 5), tagConnectInitial, len(body))
	b := make([]byte, 0, tpktHeaderLen+x224DataHeaderLen+len(tag)+len(body))
	b = appendTPKT(b, x224DataHeaderLen+len(tag)+len(body))
	b = appendX224Data(b)
	b = append(b, tag...)
	return append(b, body...)
}

// parseConnectResponse parses the MCS Connect Response PDU (2.2.1.4) and the
// GCC data inside it.
func parseConnectResponse(f frame) (serverData, *Error) {
	const pdu = "MCS Connect Response"
	if f.kind != frameTPKT {
		return serverData{}, protoErr(pdu, 0, "got a %s frame", f.kind)
	}
	r, err := parseX224Data(f, pdu)
	if err != nil {
		return serverData{}, err
	}
	if f.truncated() {
		return serverData{}, protoErr(pdu, len(f.b), "%d-byte PDU exceeds the read limit", f.total)
	}
	if r.left() >= 2 && r.b[r.off]>>2 == mcsDPUM {
		// The server gave up on the connection instead of answering.
		return serverData{}, &Error{Reason: ReasonServerDisconnect, PDU: pduDPUM, Offset: -1,
			Code: uint32(r.b[r.off]&0x03)<<1 | uint32(r.b[r.off+1]>>7)}
	}
	n := r.berAppTag(tagConnectResponse)
	body := r.sub(n, pdu)
	result := body.berUint(berEnumerated)
	if body.err == nil && result != 0 {
		return serverData{}, &Error{Reason: ReasonServerDisconnect, PDU: pdu, Offset: -1, Code: result,
			Err: fmt.Errorf("connect-response result %d", result)}
	}
	body.berUint(berInteger)            // calledConnectId
	body.skip(body.berTag(berSequence)) // domainParameters
	ud := body.sub(body.berTag(berOctetString), pdu)
	if ud.err != nil {
		return serverData{}, ud.err
	}
	return parseConferenceCreateResponse(ud)
}

// mcsDomainPDU builds a TPKT + X.224 Data frame around a PER domain PDU.
func mcsDomainPDU(p []byte) []byte {
	b := make([]byte, 0, tpktHeaderLen+x224DataHeaderLen+len(p))
	b = appendTPKT(b, x224DataHeaderLen+len(p))
	b = appendX224Data(b)
	return append(b, p...)
}

// erectDomainRequest is 2.2.1.5: subHeight 0, subInterval 0.
func erectDomainRequest() []byte {
	return mcsDomainPDU([]byte{mcsErectDomainRequest << 2, 1, 0, 1, 0})
}

// attachUserRequest is 2.2.1.6.
func attachUserRequest() []byte { return mcsDomainPDU([]byte{mcsAttachUserRequest << 2}) }

// channelJoinRequest is 2.2.1.8.
func channelJoinRequest(user, channel uint16) []byte {
	p := []byte{mcsChannelJoinRequest << 2}
	p = be16(p, user-mcsUserChannelBase)
	p = be16(p, channel)
	return mcsDomainPDU(p)
}

// disconnectProviderUltimatum is the T.125 DPUM with its 3-bit reason
// straddling the first two bytes.
func disconnectProviderUltimatum(reason uint8) []byte {
	return mcsDomainPDU([]byte{mcsDPUM<<2 | reason>>1, reason << 7})
}

// mcsPDU is a parsed domain PDU from the server.
type mcsPDU struct {
	typ       uint8
	result    uint8  // attach/join confirm
	user      uint16 // initiator (absolute channel ID)
	requested uint16 // join confirm: requested channel
	channel   uint16 // join confirm: joined channel; send data: channel
	reason    uint8  // DPUM
	data      *reader
}

// parseMCS parses the domain PDU inside an X.224 Data TPDU.
func parseMCS(f frame, pdu string) (mcsPDU, *Error) {
	r, err := parseX224Data(f, pdu)
	if err != nil {
		return mcsPDU{}, err
	}
	var m mcsPDU
	c := r.u8()
	m.typ = c >> 2
	switch m.typ {
	case mcsAttachUserConfirm:
		r.pdu = "MCS Attach User Confirm"
		m.result = r.u8()
		if c&0x02 != 0 {
			m.user = r.u16be() + mcsUserChannelBase
		}
	case mcsChannelJoinConfirm:
		r.pdu = "MCS Channel Join Confirm"
		m.result = r.u8()
		m.user = r.u16be() + mcsUserChannelBase
		m.requested = r.u16be()
		if c&0x02 != 0 {
			m.channel = r.u16be()
		}
	case mcsSendDataIndication:
		r.pdu = "MCS Send Data Indication"
		m.user = r.u16be() + mcsUserChannelBase
		m.channel = r.u16be()
		r.skip(1) // dataPriority, segmentation
		n := r.perLen()
		if r.err == nil && !f.truncated() && n != r.left() {
			r.fail("userData length %d, %d bytes left", n, r.left())
		}
		m.data = r.rest(pdu)
	case mcsDPUM:
		m.reason = (c&0x03)<<1 | r.u8()>>7
	default:
		r.off--
		r.fail("unexpected MCS PDU type %d", m.typ)
	}
	if r.err != nil {
		return mcsPDU{}, r.err
	}
	return m, nil
}

// sendDataRequest wraps p in an MCS Send Data Request on channel.
func sendDataRequest(user, channel uint16, p []byte) []byte {
	b := make([]byte, 0, tpktHeaderLen+x224DataHeaderLen+8+len(p))
	n := 1 + 2 + 2 + 1 + 2 + len(p)
	b = appendTPKT(b, x224DataHeaderLen+n)
	b = appendX224Data(b)
	b = append(b, mcsSendDataRequest<<2)
	b = be16(b, user-mcsUserChannelBase)
	b = be16(b, channel)
	b = append(b, 0x70) // high priority, begin and end segment
	b = appendPERLen(b, len(p), true)
	return append(b, p...)
}

// readMCS reads the next TPKT frame as an MCS domain PDU; a DPUM becomes a
// server-disconnect error.
func (c *Conn) readMCS(pdu string) (mcsPDU, error) {
	f, err := readFrame(c.rw, &c.buf, keepDial)
	if err != nil {
		return mcsPDU{}, err
	}
	if f.kind != frameTPKT {
		return mcsPDU{}, protoErr(pdu, 0, "got a %s frame", f.kind)
	}
	m, perr := parseMCS(f, pdu)
	if perr != nil {
		return mcsPDU{}, perr
	}
	if m.typ == mcsDPUM {
		c.trace(false, pduDPUM, f.total)
		return mcsPDU{}, &Error{Reason: ReasonServerDisconnect, PDU: pduDPUM, Offset: -1, Code: uint32(m.reason)}
	}
	return m, nil
}

// connectMCS runs Connect-Initial/Response, Erect Domain, Attach User and
// the Channel Joins (user channel, I/O channel, each static channel, one
// request at a time as mstsc does).
func (c *Conn) connectMCS() error {
	cd := clientData{width: c.cfg.Width, height: c.cfg.Height, bpp: c.cfg.BPP, name: c.cfg.ClientName,
		keyboard: c.cfg.KeyboardLayout, channels: c.cfg.Channels}
	if err := c.write(mcsConnectInitial(cd.conferenceCreateRequest()), "MCS Connect Initial"); err != nil {
		return err
	}
	f, err := readFrame(c.rw, &c.buf, keepDial)
	if err != nil {
		return err
	}
	c.trace(false, "MCS Connect Response", f.total)
	sd, perr := parseConnectResponse(f)
	if perr != nil {
		return perr
	}
	if sd.encryptionMethod != 0 {
		return protoErr("TS_UD_SC_SEC1", -1, "server chose encryption method 0x%x inside TLS; only ENCRYPTION_METHOD_NONE is supported", sd.encryptionMethod)
	}
	if len(sd.channelIDs) != len(c.cfg.Channels) {
		return protoErr("TS_UD_SC_NET", -1, "server assigned %d channel IDs for %d requested channels", len(sd.channelIDs), len(c.cfg.Channels))
	}
	c.io = sd.ioChannel
	if err := c.write(erectDomainRequest(), "MCS Erect Domain Request"); err != nil {
		return err
	}
	if err := c.write(attachUserRequest(), "MCS Attach User Request"); err != nil {
		return err
	}
	m, err := c.readMCS("MCS Attach User Confirm")
	if err != nil {
		return err
	}
	c.trace(false, "MCS Attach User Confirm", 0)
	if m.typ != mcsAttachUserConfirm || m.result != 0 || m.user == 0 {
		return protoErr("MCS Attach User Confirm", -1, "type %d result %d user %d", m.typ, m.result, m.user)
	}
	c.user = m.user
	joins := make([]uint16, 0, 2+len(sd.channelIDs))
	joins = append(joins, c.user, c.io)
	joins = append(joins, sd.channelIDs...)
	for _, ch := range joins {
		if ch == 0 {
			continue // a channel the server refused to allocate
		}
		if err := c.write(channelJoinRequest(c.user, ch), "MCS Channel Join Request"); err != nil {
			return err
		}
		m, err := c.readMCS("MCS Channel Join Confirm")
		if err != nil {
			return err
		}
		c.trace(false, "MCS Channel Join Confirm", 0)
		if m.typ != mcsChannelJoinConfirm || m.result != 0 || m.requested != ch {
			return protoErr("MCS Channel Join Confirm", -1, "type %d result %d for channel %d (asked %d)", m.typ, m.result, m.requested, ch)
		}
	}
	return nil
}

// readIO reads frames until one arrives on the I/O channel and returns a
// reader over its payload. Static channel data is skipped.
func (c *Conn) readIO(pdu string) (*reader, frame, error) {
	for {
		m, err := c.readMCS(pdu)
		if err != nil {
			return nil, frame{}, err
		}
		if m.typ != mcsSendDataIndication {
			return nil, frame{}, protoErr(pdu, -1, "got MCS PDU type %d", m.typ)
		}
		if m.channel != c.io {
			c.trace(false, fmt.Sprintf("channel %d data", m.channel), 0)
			continue
		}
		return m.data, frame{}, nil
	}
}
