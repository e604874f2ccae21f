package fakeclient

import (
	"fmt"
)

// Share Control and Share Data PDUs ([MS-RDPBCGR] 2.2.8.1.1.1), the
// finalization PDUs (2.2.1.14 to 2.2.1.22) and the server's status PDUs this
// client acts on: Set Error Info (2.2.5.1), Save Session Info (2.2.10.1),
// Deactivate All (2.2.3.1), Shutdown Denied (2.2.2.3).

const (
	pduTypeDemandActive  = 0x1
	pduTypeConfirmActive = 0x3
	pduTypeDeactivateAll = 0x6
	pduTypeData          = 0x7
	pduTypeServerRedir   = 0xa
	pduVersion           = 0x10 // TS_PROTOCOL_VERSION in the pduType field

	// flowControlMarker in totalLength marks a flow control PDU (2.2.8.1.1.1.1).
	flowControlMarker = 0x8000

	pduType2Update          = 2
	pduType2Control         = 20
	pduType2Pointer         = 27
	pduType2Synchronize     = 31
	pduType2ShutdownRequest = 36
	pduType2ShutdownDenied  = 37
	pduType2SaveSessionInfo = 38
	pduType2FontList        = 39
	pduType2FontMap         = 40
	pduType2SetErrorInfo    = 47
	pduType2MonitorLayout   = 55

	packetCompressed = 0x20 // in compressedType

	ctrlActionRequestControl = 0x0001
	ctrlActionGrantedControl = 0x0002
	ctrlActionCooperate      = 0x0004

	streamLow = 0x01

	serverChannelID = 1002 // the server's MCS user ID, originatorId in Confirm Active

	pduSetErrorInfo = "Set Error Info PDU"
)

var pduType2Names = map[uint8]string{
	pduType2Update: "Update", pduType2Control: "Control", pduType2Pointer: "Pointer",
	pduType2Synchronize: "Synchronize", pduType2ShutdownRequest: "Shutdown Request",
	pduType2ShutdownDenied: "Shutdown Denied", pduType2SaveSessionInfo: "Save Session Info",
	pduType2FontList: "Font List", pduType2FontMap: "Font Map", pduType2SetErrorInfo: "Set Error Info",
	pduType2MonitorLayout: "Monitor Layout", 41: "Set Keyboard Indicators", 45: "Set Keyboard IME Status",
	54: "Status Info",
}

// shareHeader is a parsed Share Control Header, plus the Share Data Header
// for data PDUs.
type shareHeader struct {
	pduType    uint16
	source     uint16
	shareID    uint32
	pduType2   uint8
	compressed bool
	flowCtl    bool
}

func (h shareHeader) name() string {
	switch {
	case h.flowCtl:
		return "Flow Control PDU"
	case h.pduType == pduTypeDemandActive:
		return "Demand Active PDU"
	case h.pduType == pduTypeDeactivateAll:
		return "Deactivate All PDU"
	case h.pduType == pduTypeServerRedir:
		return "Server Redirection PDU"
	case h.pduType == pduTypeData:
		if n, ok := pduType2Names[h.pduType2]; ok {
			return n + " PDU"
		}
		return fmt.Sprintf("Data PDU type2 %d", h.pduType2)
	}
	return fmt.Sprintf("Share Control PDU type %d", h.pduType)
}

// parseShare reads a Share Control Header (and a Share Data Header for data
// PDUs) and returns the header and the rest.
func parseShare(r *reader) (shareHeader, *Error) {
	var h shareHeader
	r.pdu = "Share Control Header"
	total := r.u16le()
	if r.err == nil && total == flowControlMarker {
		h.flowCtl = true
		return h, nil
	}
	h.pduType = r.u16le() & 0x0f
	if r.left() >= 2 {
		h.source = r.u16le()
	}
	if r.err != nil {
		return h, r.err
	}
	switch h.pduType {
	case pduTypeData:
		r.pdu = "Share Data Header"
		h.shareID = r.u32le()
		r.skip(2) // pad1, streamId
		r.u16le() // uncompressedLength
		h.pduType2 = r.u8()
		h.compressed = r.u8()&packetCompressed != 0
		r.u16le() // compressedLength
	case pduTypeDemandActive, pduTypeDeactivateAll:
		h.shareID = r.u32le()
	}
	r.pdu = h.name()
	return h, r.err
}

// appendShareControl appends a Share Control Header for a PDU of n bytes
// after the header.
func appendShareControl(b []byte, pduType, source uint16, n int) []byte {
	b = le16(b, uint16(6+n))
	b = le16(b, pduType|pduVersion)
	return le16(b, source)
}

// shareDataPDU builds a Share Data PDU around payload.
func shareDataPDU(shareID uint32, source uint16, pduType2 uint8, payload []byte) []byte {
	b := make([]byte, 0, 18+len(payload))
	b = appendShareControl(b, pduTypeData, source, 12+len(payload))
	b = le32(b, shareID)
	b = append(b, 0, streamLow)
	b = le16(b, uint16(4+len(payload)))
	b = append(b, pduType2, 0)
	b = le16(b, 0)
	return append(b, payload...)
}

// synchronizePDU is 2.2.1.14: SYNCMSGTYPE_SYNC to the server's user ID.
func synchronizePDU(shareID uint32, source uint16) []byte {
	return shareDataPDU(shareID, source, pduType2Synchronize, []byte{1, 0, serverChannelID & 0xff, serverChannelID >> 8})
}

// controlPDU is 2.2.1.15/16: action, grantId 0, controlId 0.
func controlPDU(shareID uint32, source uint16, action uint16) []byte {
	return shareDataPDU(shareID, source, pduType2Control, []byte{byte(action), byte(action >> 8), 0, 0, 0, 0, 0, 0})
}

// fontListPDU is 2.2.1.18: no fonts, FONTLIST_FIRST|FONTLIST_LAST, entry
// size 50, as every client since RDP 5 sends it.
func fontListPDU(shareID uint32, source uint16) []byte {
	return shareDataPDU(shareID, source, pduType2FontList, []byte{0, 0, 0, 0, 3, 0, 0x32, 0})
}

// shutdownRequestPDU is 2.2.2.2: a client asking to end the session
// politely; the server answers Shutdown Denied or disconnects.
func shutdownRequestPDU(shareID uint32, source uint16) []byte {
	return shareDataPDU(shareID, source, pduType2ShutdownRequest, nil)
}

// errorInfoNames names the errorInfo codes (2.2.5.1.1) a server is likely
// to send to a client that logs in and idles.
var errorInfoNames = map[uint32]string{
	0x0001: "ERRINFO_RPC_INITIATED_DISCONNECT",
	0x0002: "ERRINFO_RPC_INITIATED_LOGOFF",
	0x0003: "ERRINFO_IDLE_TIMEOUT",
	0x0004: "ERRINFO_LOGON_TIMEOUT",
	0x0005: "ERRINFO_DISCONNECTED_BY_OTHERCONNECTION",
	0x0006: "ERRINFO_OUT_OF_MEMORY",
	0x0007: "ERRINFO_SERVER_DENIED_CONNECTION",
	0x0009: "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
	0x000a: "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED",
	0x000b: "ERRINFO_RPC_INITIATED_DISCONNECT_BYUSER",
	0x000c: "ERRINFO_LOGOFF_BY_USER",
	0x0100: "ERRINFO_LICENSE_INTERNAL",
	0x0104: "ERRINFO_LICENSE_NO_LICENSE",
	0x10c9: "ERRINFO_UNKNOWNPDUTYPE2",
	0x10ca: "ERRINFO_UNKNOWNPDUTYPE",
	0x10cb: "ERRINFO_DATAPDUSEQUENCE",
	0x10d3: "ERRINFO_CONTROLPDUSEQUENCE",
	0x10d5: "ERRINFO_INVALIDCONTROLPDUACTION",
	0x10d6: "ERRINFO_INVALIDINPUTPDUTYPE",
	0x10d7: "ERRINFO_INVALIDINPUTPDUMOUSE",
	0x10d8: "ERRINFO_INVALIDREFRESHRECTPDU",
	0x10d9: "ERRINFO_CREATEUSERDATAFAILED",
	0x10da: "ERRINFO_CONNECTFAILED",
	0x10db: "ERRINFO_CONFIRMACTIVEWRONGSHAREID",
	0x10dc: "ERRINFO_CONFIRMACTIVEWRONGORIGINATOR",
	0x10e0: "ERRINFO_PERSISTENTKEYPDUBADLENGTH",
	0x10e9: "ERRINFO_CAPABILITYSETTOOSMALL",
	0x10ea: "ERRINFO_CAPABILITYSETTOOLARGE",
	0x10eb: "ERRINFO_NOCURSORCACHE",
	0x10ec: "ERRINFO_BADCAPABILITIES",
	0x10f3: "ERRINFO_VIRTUALCHANNELDECOMPRESSIONERR",
	0x1191: "ERRINFO_NOTIFIED_BY_CLIENT",
}

func errorInfoName(code uint32) string { return errorInfoNames[code] }

// activate waits for the Demand Active, answers with Confirm Active and the
// client finalization PDUs, and waits for the Font Map that ends
// finalization ([MS-RDPBCGR] 1.3.1.1 phases 9 and 10).
func (c *Conn) activate() error {
	for {
		r, _, err := c.readIO("Demand Active PDU")
		if err != nil {
			return err
		}
		h, perr := parseShare(r)
		if perr != nil {
			return perr
		}
		c.trace(false, h.name(), 0)
		if h.flowCtl {
			continue
		}
		if h.pduType == pduTypeData && h.pduType2 == pduType2SetErrorInfo {
			if e := errorInfoErr(r); e.Code != 0 || e.Reason != ReasonServerDisconnect {
				return e
			}
			continue
		}
		if h.pduType != pduTypeDemandActive {
			return protoErr(h.name(), -1, "expected Demand Active PDU")
		}
		da, perr := parseDemandActive(r, h)
		if perr != nil {
			return perr
		}
		if err := c.confirm(da); err != nil {
			return err
		}
		break
	}
	for {
		r, _, err := c.readIO("Font Map PDU")
		if err != nil {
			return err
		}
		h, perr := parseShare(r)
		if perr != nil {
			return perr
		}
		c.trace(false, h.name(), 0)
		switch {
		case h.flowCtl:
		case h.pduType == pduTypeData && h.pduType2 == pduType2FontMap:
			return nil
		case h.pduType == pduTypeData && h.pduType2 == pduType2SetErrorInfo:
			if e := errorInfoErr(r); e.Code != 0 || e.Reason != ReasonServerDisconnect {
				return e
			}
		case h.pduType == pduTypeData && (h.pduType2 == pduType2Synchronize || h.pduType2 == pduType2Control):
		case h.pduType == pduTypeData && (h.pduType2 == pduType2Update || h.pduType2 == pduType2Pointer):
			// xrdp may paint before the Font Map; the reader loop judges
			// updates, here they only count.
			c.updates++
		case h.pduType == pduTypeData:
		default:
			return protoErr(h.name(), -1, "unexpected during finalization")
		}
	}
}

// confirm answers a Demand Active: Confirm Active, Synchronize, Control
// (cooperate), Control (request control), Font List.
func (c *Conn) confirm(da demandActive) error {
	c.share, c.source = da.shareID, da.source
	ca := c.caps.confirmActivePDU(c.share, c.user)
	for _, p := range []struct {
		b    []byte
		name string
	}{
		{ca, "Confirm Active PDU"},
		{synchronizePDU(c.share, c.user), "Synchronize PDU"},
		{controlPDU(c.share, c.user, ctrlActionCooperate), "Control PDU (cooperate)"},
		{controlPDU(c.share, c.user, ctrlActionRequestControl), "Control PDU (request control)"},
		{fontListPDU(c.share, c.user), "Font List PDU"},
	} {
		if err := c.write(sendDataRequest(c.user, c.io, p.b), p.name); err != nil {
			return err
		}
	}
	return nil
}

func errorInfoErr(r *reader) *Error {
	code := r.u32le()
	if r.err != nil {
		return r.err
	}
	return &Error{Reason: ReasonServerDisconnect, PDU: pduSetErrorInfo, Offset: -1, Code: code}
}
