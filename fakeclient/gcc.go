package fakeclient

import "fmt"

// GCC Conference Create Request/Response (T.124) carrying the client and
// server data blocks, [MS-RDPBCGR] 2.2.1.3 and 2.2.1.4.

const (
	csCore     = 0xc001 // TS_UD_CS_CORE, 2.2.1.3.2
	csSecurity = 0xc002 // TS_UD_CS_SEC, 2.2.1.3.3
	csNet      = 0xc003 // TS_UD_CS_NET, 2.2.1.3.4
	csCluster  = 0xc004 // TS_UD_CS_CLUSTER, 2.2.1.3.5

	scCore     = 0x0c01 // TS_UD_SC_CORE, 2.2.1.4.2
	scSecurity = 0x0c02 // TS_UD_SC_SEC1, 2.2.1.4.3
	scNet      = 0x0c03 // TS_UD_SC_NET, 2.2.1.4.4

	rdpVersion5Plus = 0x00080004 // RDP 5.0 to 8.1 clients

	rnsUDColor8BPP = 0xca01
	rnsUDSASDel    = 0xaa03

	// supportedColorDepths: 24, 16, 15 and 32 bpp.
	rnsUDAllDepths = 0x0001 | 0x0002 | 0x0004 | 0x0008

	// earlyCapabilityFlags.
	rnsUDCSSupportErrInfoPDU     = 0x0001
	rnsUDCSWant32BPPSession      = 0x0002
	rnsUDCSValidConnectionType   = 0x0020
	connectionTypeLAN            = 0x06
	encryptionMethodsAll         = 0x00000001 | 0x00000002 | 0x00000008 | 0x00000010 // 40, 128, 56 bit, FIPS
	redirectionSupportedVersion4 = 0x01 | 3<<2

	channelOptionInitialized = 0x80000000 // CHANNEL_OPTION_INITIALIZED
)

// clientData is what the client announces in its GCC user data.
type clientData struct {
	width, height int
	bpp           int
	name          string // ≤15 characters, checked by Config.validate
	keyboard      uint32
	channels      []string
}

// appendCore appends TS_UD_CS_CORE (2.2.1.3.2), all fields up to
// serverSelectedProtocol, as mstsc sends them.
func (d clientData) appendCore(b []byte) []byte {
	b = le16(b, csCore)
	b = le16(b, 216)
	b = le32(b, rdpVersion5Plus)
	b = le16(b, uint16(d.width))
	b = le16(b, uint16(d.height))
	b = le16(b, rnsUDColor8BPP) // colorDepth, superseded by the fields below
	b = le16(b, rnsUDSASDel)
	b = le32(b, d.keyboard)
	b = le32(b, 2600) // clientBuild
	var name [32]byte
	copy(name[:30], utf16le(nil, d.name))
	b = append(b, name[:]...)
	b = le32(b, 4)  // keyboardType: IBM enhanced (101/102 keys)
	b = le32(b, 0)  // keyboardSubType
	b = le32(b, 12) // keyboardFunctionKey
	b = append(b, make([]byte, 64)...)
	b = le16(b, rnsUDColor8BPP) // postBeta2ColorDepth, superseded
	b = le16(b, 1)              // clientProductId
	b = le32(b, 0)              // serialNumber
	high, early := uint16(d.bpp), uint16(rnsUDCSSupportErrInfoPDU|rnsUDCSValidConnectionType)
	if d.bpp == 32 {
		high = 24
		early |= rnsUDCSWant32BPPSession
	}
	b = le16(b, high)
	b = le16(b, rnsUDAllDepths)
	b = le16(b, early)
	b = append(b, make([]byte, 64)...) // clientDigProductId
	b = append(b, connectionTypeLAN, 0)
	return le32(b, protocolSSL) // serverSelectedProtocol echoes the X.224 answer
}

// appendUserData appends every client data block.
func (d clientData) appendUserData(b []byte) []byte {
	b = d.appendCore(b)
	// TS_UD_CS_SEC (2.2.1.3.3): the methods a client offers; with TLS the
	// server answers ENCRYPTION_METHOD_NONE.
	b = le16(b, csSecurity)
	b = le16(b, 12)
	b = le32(b, encryptionMethodsAll)
	b = le32(b, 0)
	// TS_UD_CS_NET (2.2.1.3.4).
	b = le16(b, csNet)
	b = le16(b, uint16(8+12*len(d.channels)))
	b = le32(b, uint32(len(d.channels)))
	for _, ch := range d.channels {
		var n [8]byte
		copy(n[:7], ch)
		b = append(b, n[:]...)
		b = le32(b, channelOptionInitialized)
	}
	// TS_UD_CS_CLUSTER (2.2.1.3.5), sent by mstsc and FreeRDP alike.
	b = le16(b, csCluster)
	b = le16(b, 12)
	b = le32(b, redirectionSupportedVersion4)
	return le32(b, 0)
}

// conferenceCreateRequest wraps the client data blocks in a GCC Conference
// Create Request (2.2.1.3.1). Both lengths use the two-byte PER form: xrdp
// skips a fixed 23-byte prefix.
func (d clientData) conferenceCreateRequest() []byte {
	ud := d.appendUserData(make([]byte, 0, 300))
	b := make([]byte, 0, 23+len(ud))
	b = append(b, t124Identifier[:]...)
	b = appendPERLen(b, 14+len(ud), true)
	// ConnectGCCPDU: conferenceCreateRequest, conferenceName "1", no
	// password, userData set of one h221NonStandard "Duca" entry.
	b = append(b, 0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x00)
	b = append(b, h221ClientKey[:]...)
	b = appendPERLen(b, len(ud), true)
	return append(b, ud...)
}

// serverData is what the server's GCC user data told us.
type serverData struct {
	version          uint32
	requestedProtos  uint32
	encryptionMethod uint32
	encryptionLevel  uint32
	ioChannel        uint16
	channelIDs       []uint16
}

// parseConferenceCreateResponse parses the GCC Conference Create Response
// (2.2.1.4.1) from r and the server data blocks inside it.
func parseConferenceCreateResponse(r *reader) (serverData, *Error) {
	var sd serverData
	r.pdu = "GCC Conference Create Response"
	id := r.bytes(len(t124Identifier))
	if r.err == nil && string(id) != string(t124Identifier[:]) {
		r.off -= len(id)
		r.fail("T.124 identifier % x", id)
	}
	r.perLen()          // connectPDU length: xrdp's value is not reliable, use the data
	r.skip(1)           // ConnectGCCPDU choice: conferenceCreateResponse
	r.skip(2)           // nodeID
	r.skip(int(r.u8())) // tag
	r.skip(1)           // result
	r.skip(1)           // number of userData sets
	r.skip(1)           // choice: h221NonStandard
	kl := int(r.u8()) + 4
	key := r.bytes(kl)
	if r.err == nil && string(key) != string(h221ServerKey[:]) {
		r.off -= kl
		r.fail("H.221 key %q, want %q", key, h221ServerKey[:])
	}
	n := r.perLen()
	ud := r.sub(n, "server data blocks")
	if r.err != nil {
		return sd, r.err
	}
	var sawCore, sawSec, sawNet bool
	for ud.left() > 0 {
		typ := ud.u16le()
		ln := int(ud.u16le())
		if ud.err != nil {
			return sd, ud.err
		}
		if ln < 4 {
			ud.off -= 2
			ud.fail("data block 0x%04x length %d", typ, ln)
			return sd, ud.err
		}
		blk := ud.sub(ln-4, fmt.Sprintf("server data block 0x%04x", typ))
		if ud.err != nil {
			return sd, ud.err
		}
		switch typ {
		case scCore:
			blk.pdu = "TS_UD_SC_CORE"
			sd.version = blk.u32le()
			if blk.left() >= 4 {
				sd.requestedProtos = blk.u32le()
			}
			sawCore = true
		case scSecurity:
			blk.pdu = "TS_UD_SC_SEC1"
			sd.encryptionMethod = blk.u32le()
			sd.encryptionLevel = blk.u32le()
			sawSec = true
		case scNet:
			blk.pdu = "TS_UD_SC_NET"
			sd.ioChannel = blk.u16le()
			cnt := int(blk.u16le())
			if blk.err == nil && cnt*2 > blk.left() {
				blk.fail("channelCount %d does not fit %d bytes", cnt, blk.left())
			}
			for i := 0; i < cnt && blk.err == nil; i++ {
				sd.channelIDs = append(sd.channelIDs, blk.u16le())
			}
			sawNet = true
		}
		if blk.err != nil {
			return sd, blk.err
		}
	}
	switch {
	case !sawCore:
		return sd, protoErr(r.pdu, -1, "no TS_UD_SC_CORE block")
	case !sawSec:
		return sd, protoErr(r.pdu, -1, "no TS_UD_SC_SEC1 block")
	case !sawNet:
		return sd, protoErr(r.pdu, -1, "no TS_UD_SC_NET block")
	}
	return sd, nil
}
