package fakeclient

// The basic security header ([MS-RDPBCGR] 2.2.8.1.1.2.1) and the Client Info
// PDU (2.2.1.11). With TLS (Enhanced RDP Security) only the Client Info PDU
// and the licensing PDUs carry a security header, and it is never encrypted.

const (
	secInfoPkt    = 0x0040 // SEC_INFO_PKT
	secLicensePkt = 0x0080 // SEC_LICENSE_PKT
	secEncrypt    = 0x0008 // SEC_ENCRYPT: never valid under TLS here

	// TS_INFO_PACKET flags (2.2.1.11.1.1).
	infoMouse              = 0x00000001
	infoDisableCtrlAltDel  = 0x00000002
	infoAutologon          = 0x00000008
	infoUnicode            = 0x00000010
	infoMaximizeShell      = 0x00000020
	infoLogonNotify        = 0x00000040
	infoEnableWindowsKey   = 0x00000100
	infoLogonErrors        = 0x00010000
	infoMouseHasWheel      = 0x00020000
	clientInfoDefaultFlags = infoMouse | infoDisableCtrlAltDel | infoAutologon | infoUnicode |
		infoMaximizeShell | infoLogonNotify | infoEnableWindowsKey | infoLogonErrors | infoMouseHasWheel

	afInet = 0x0002

	// performanceFlags (2.2.1.11.1.1.1): no wallpaper, full-window drag,
	// menu animations or themes, as a LAN client with "best performance".
	perfFlags = 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008

	clientDir = `C:\Windows\System32\mstscax.dll`
)

// clientInfo is what the Client Info PDU carries.
type clientInfo struct {
	domain, user, password string
	clientAddr             string
}

// appendInfoString appends a null-terminated UTF-16 string.
func appendInfoString(b []byte, s string) []byte {
	b = utf16le(b, s)
	return append(b, 0, 0)
}

// pdu builds the security header and TS_INFO_PACKET (2.2.1.11.1.1) with its
// TS_EXTENDED_INFO_PACKET (2.2.1.11.1.1.1). xrdp reads the extended part
// (client address, directory, time zone, performance flags) when
// INFO_ENABLEWINDOWSKEY (its RDP_LOGON_BLOB) is set, as every RDP 5+ client
// sends it.
func (ci clientInfo) pdu() []byte {
	b := make([]byte, 0, 512)
	b = le16(b, secInfoPkt)
	b = le16(b, 0)
	b = le32(b, 0) // CodePage
	b = le32(b, clientInfoDefaultFlags)
	b = le16(b, uint16(utf16len(ci.domain)))
	b = le16(b, uint16(utf16len(ci.user)))
	b = le16(b, uint16(utf16len(ci.password)))
	b = le16(b, 0) // cbAlternateShell
	b = le16(b, 0) // cbWorkingDir
	b = appendInfoString(b, ci.domain)
	b = appendInfoString(b, ci.user)
	b = appendInfoString(b, ci.password)
	b = appendInfoString(b, "")
	b = appendInfoString(b, "")
	b = le16(b, afInet)
	b = le16(b, uint16(utf16len(ci.clientAddr)+2))
	b = appendInfoString(b, ci.clientAddr)
	b = le16(b, uint16(utf16len(clientDir)+2))
	b = appendInfoString(b, clientDir)
	b = append(b, make([]byte, 172)...) // clientTimeZone: UTC, no daylight saving
	b = le32(b, 0)                      // clientSessionId
	b = le32(b, perfFlags)
	return le16(b, 0) // cbAutoReconnectCookie
}

// secHeader reads a basic security header.
func (r *reader) secHeader() (flags uint16) {
	flags = r.u16le()
	r.u16le() // flagsHi
	if r.err == nil && flags&secEncrypt != 0 {
		r.off -= 4
		r.fail("encrypted PDU (SEC_ENCRYPT) under TLS")
	}
	return flags
}
