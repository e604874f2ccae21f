package fakeclient

import (
	"fmt"
	"strings"
)

// Licensing ([MS-RDPBCGR] 2.2.1.12, [MS-RDPELE] 2.2.2). xrdp answers the
// Client Info PDU with a canned SERVER_LICENSE_REQUEST, answers whatever
// licensing PDU the client sends next with a LICENSE_ERROR_MESSAGE carrying
// STATUS_VALID_CLIENT, and then starts capability exchange. A Windows server
// may send the error message straight away; both are handled.

const (
	licenseRequest    = 0x01 // LICENSE_REQUEST
	platformChallenge = 0x02 // PLATFORM_CHALLENGE
	newLicense        = 0x03 // NEW_LICENSE
	upgradeLicense    = 0x04 // UPGRADE_LICENSE
	newLicenseRequest = 0x13 // NEW_LICENSE_REQUEST
	errorAlert        = 0xff // ERROR_ALERT

	statusValidClient = 0x00000007 // STATUS_VALID_CLIENT

	preambleVersion3 = 0x03
	extendedErrorMsg = 0x80

	keyExchangeAlgRSA     = 0x00000001
	platformWinNTMicrosft = 0x04000000 | 0x00010000 // CLIENT_OS_ID_WINNT_POST_52, CLIENT_IMAGE_ID_MICROSOFT

	bbRandomBlob            = 0x0002
	bbClientUserNameBlob    = 0x000f
	bbClientMachineNameBlob = 0x0010
)

// licensePDU is one parsed server licensing PDU.
type licensePDU struct {
	msgType   uint8
	errorCode uint32 // ERROR_ALERT only
	state     uint32 // ERROR_ALERT only
}

func (l licensePDU) String() string {
	switch l.msgType {
	case licenseRequest:
		return "License Request"
	case platformChallenge:
		return "Platform Challenge"
	case newLicense:
		return "New License"
	case upgradeLicense:
		return "Upgrade License"
	case errorAlert:
		if l.errorCode == statusValidClient {
			return "License Error Alert (STATUS_VALID_CLIENT)"
		}
		return fmt.Sprintf("License Error Alert (0x%x)", l.errorCode)
	}
	return fmt.Sprintf("licensing PDU 0x%02x", l.msgType)
}

// parseLicense parses a licensing PDU (after the security header).
func parseLicense(r *reader) (licensePDU, *Error) {
	r.pdu = "Licensing PDU"
	var l licensePDU
	l.msgType = r.u8()
	r.u8() // flags
	size := int(r.u16le())
	if r.err == nil && size < 4 {
		r.off -= 2
		r.fail("wMsgSize %d", size)
	}
	if l.msgType == errorAlert {
		l.errorCode = r.u32le()
		l.state = r.u32le()
	}
	return l, r.err
}

// asciiBlob appends a LICENSE_BINARY_BLOB holding a null-terminated ASCII
// string (non-ASCII runes become '?', as [MS-RDPELE] wants ANSI here).
func asciiBlob(b []byte, typ uint16, s string) []byte {
	s = strings.Map(func(r rune) rune {
		if r > 0x7e || r < 0x20 {
			return '?'
		}
		return r
	}, s)
	b = le16(b, typ)
	b = le16(b, uint16(len(s)+1))
	b = append(b, s...)
	return append(b, 0)
}

// newLicenseRequestPDU is the client's answer to a License Request
// ([MS-RDPELE] 2.2.2.2 CLIENT_NEW_LICENSE_REQUEST). xrdp does not read its
// contents, and this client has no use for a license, so the random values
// are fixed and the premaster secret is not encrypted with the server's key:
// the PDU has the right shape for a server that only checks framing.
func newLicenseRequestPDU(user, machine string) []byte {
	body := make([]byte, 0, 160)
	body = le32(body, keyExchangeAlgRSA)
	body = le32(body, platformWinNTMicrosft)
	body = append(body, make([]byte, 32)...) // ClientRandom
	body = le16(body, bbRandomBlob)
	body = le16(body, 72)
	body = append(body, make([]byte, 72)...) // EncryptedPreMasterSecret
	body = asciiBlob(body, bbClientUserNameBlob, user)
	body = asciiBlob(body, bbClientMachineNameBlob, machine)
	b := make([]byte, 0, 8+len(body))
	b = le16(b, secLicensePkt)
	b = le16(b, 0)
	b = append(b, newLicenseRequest, preambleVersion3|extendedErrorMsg)
	b = le16(b, uint16(4+len(body)))
	return append(b, body...)
}

// readLicense reads the next licensing PDU.
func (c *Conn) readLicense() (licensePDU, error) {
	r, _, err := c.readIO("Licensing PDU")
	if err != nil {
		return licensePDU{}, err
	}
	flags := r.secHeader()
	if r.err != nil {
		return licensePDU{}, r.err
	}
	if flags&secLicensePkt == 0 {
		return licensePDU{}, protoErr("Licensing PDU", r.pos()-4, "security flags 0x%04x lack SEC_LICENSE_PKT", flags)
	}
	l, perr := parseLicense(r)
	if perr != nil {
		return licensePDU{}, perr
	}
	c.trace(false, l.String(), 0)
	return l, nil
}
