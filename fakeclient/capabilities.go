package fakeclient

// Capability exchange: the server's Demand Active PDU ([MS-RDPBCGR]
// 2.2.1.13.1) and the client's Confirm Active PDU (2.2.1.13.2) with the
// capability sets of 2.2.7 that a Windows client sends. Values follow what
// xrdp's libxrdp (xrdp_caps.c) reads: general extraFlags turn fast-path
// output on, the order set decides whether xrdp draws with orders or falls
// back to bitmaps, the pointer set enables new (color) pointers.

const (
	capGeneral             = 1
	capBitmap              = 2
	capOrder               = 3
	capBitmapCache         = 4
	capControl             = 5
	capActivation          = 7
	capPointer             = 8
	capShare               = 9
	capColorCache          = 10
	capSound               = 12
	capInput               = 13
	capFont                = 14
	capBrush               = 15
	capGlyphCache          = 16
	capOffscreenCache      = 17
	capBitmapCacheRev2     = 19
	capVirtualChannel      = 20
	capMultiFragmentUpdate = 26

	// General capability extraFlags (2.2.7.1.1).
	fastPathOutputSupported  = 0x0001
	longCredentialsSupported = 0x0004
	autoReconnectSupported   = 0x0008
	encSaltedChecksum        = 0x0010
	noBitmapCompressionHdr   = 0x0400

	// Order capability orderFlags (2.2.7.1.3).
	negotiateOrderSupport   = 0x0002
	zeroBoundsDeltaSupport  = 0x0008
	colorIndexSupport       = 0x0020
	orderFlagsExtraSupport  = 0x0080
	orderSupportExFlagsNone = 0x0000

	// Input flags (2.2.7.1.6).
	inputFlagScancodes  = 0x0001
	inputFlagMouseX     = 0x0004
	inputFlagFastPath   = 0x0008
	inputFlagUnicode    = 0x0010
	inputFlagFastPathV2 = 0x0020
)

// Order support indices (2.2.7.1.3.1) this client claims. DSTBLT, PATBLT,
// SCRBLT and MEMBLT are the four xrdp needs to draw with orders at all
// (otherwise it renders everything itself and sends bitmaps).
const (
	negDstBltIndex     = 0x00
	negPatBltIndex     = 0x01
	negScrBltIndex     = 0x02
	negMemBltIndex     = 0x03
	negLineToIndex     = 0x08
	negOpaqueRectIndex = 0x0a
	negPolylineIndex   = 0x16
	negGlyphIndexIndex = 0x1b
)

// capSet appends one TS_CAPS_SET with its header.
func capSet(b []byte, typ uint16, body []byte) []byte {
	b = le16(b, typ)
	b = le16(b, uint16(4+len(body)))
	return append(b, body...)
}

// capsConfig is what shapes the client's capability sets.
type capsConfig struct {
	width, height, bpp int
	keyboard           uint32
	orders             bool // claim drawing orders (see Discriminator)
	channels           bool
}

// capabilitySets returns the client's capability sets and their count.
func (cc capsConfig) capabilitySets() ([]byte, int) {
	b := make([]byte, 0, 512)
	n := 0
	add := func(typ uint16, body []byte) {
		b = capSet(b, typ, body)
		n++
	}
	var body []byte
	// 2.2.7.1.1 General.
	body = le16(nil, 1)  // osMajorType: OSMAJORTYPE_WINDOWS
	body = le16(body, 3) // osMinorType: OSMINORTYPE_WINDOWS_NT
	body = le16(body, 0x0200)
	body = le16(body, 0) // pad2octetsA
	body = le16(body, 0) // generalCompressionTypes
	body = le16(body, fastPathOutputSupported|longCredentialsSupported|autoReconnectSupported|encSaltedChecksum|noBitmapCompressionHdr)
	body = le16(body, 0)      // updateCapabilityFlag
	body = le16(body, 0)      // remoteUnshareFlag
	body = le16(body, 0)      // generalCompressionLevel
	body = append(body, 1, 1) // refreshRectSupport, suppressOutputSupport
	add(capGeneral, body)
	// 2.2.7.1.2 Bitmap.
	body = le16(nil, uint16(cc.bpp))
	body = le16(body, 1) // receive1BitPerPixel
	body = le16(body, 1) // receive4BitsPerPixel
	body = le16(body, 1) // receive8BitsPerPixel
	body = le16(body, uint16(cc.width))
	body = le16(body, uint16(cc.height))
	body = le16(body, 0)      // pad2octets
	body = le16(body, 1)      // desktopResizeFlag
	body = le16(body, 1)      // bitmapCompressionFlag
	body = append(body, 0, 0) // highColorFlags, drawingFlags
	body = le16(body, 1)      // multipleRectangleSupport
	body = le16(body, 0)
	add(capBitmap, body)
	// 2.2.7.1.3 Order.
	body = make([]byte, 20) // terminalDescriptor, pad4octetsA
	body = le16(body, 1)    // desktopSaveXGranularity
	body = le16(body, 20)   // desktopSaveYGranularity
	body = le16(body, 0)
	body = le16(body, 1) // maximumOrderLevel: ORD_LEVEL_1_ORDERS
	body = le16(body, 0) // numberFonts
	body = le16(body, negotiateOrderSupport|zeroBoundsDeltaSupport|colorIndexSupport)
	var support [32]byte
	if cc.orders {
		for _, i := range []int{negDstBltIndex, negPatBltIndex, negScrBltIndex, negMemBltIndex,
			negLineToIndex, negOpaqueRectIndex, negPolylineIndex, negGlyphIndexIndex} {
			support[i] = 1
		}
	}
	body = append(body, support[:]...)
	body = le16(body, 0x06a1) // textFlags, ignored by servers
	body = le16(body, orderSupportExFlagsNone)
	body = le32(body, 0)      // pad4octetsB
	body = le32(body, 230400) // desktopSaveSize
	body = le16(body, 0)
	body = le16(body, 0)
	body = le16(body, 1252) // textANSICodePage
	body = le16(body, 0)
	add(capOrder, body)
	// 2.2.7.1.4.2 Revision 2 bitmap cache: three caches, no persistence.
	body = le16(nil, 0x0002)  // CacheFlags: ALLOW_CACHE_WAITING_LIST_FLAG
	body = append(body, 0, 3) // pad2, NumCellCaches
	body = le32(body, 120)
	body = le32(body, 120)
	body = le32(body, 2553)
	body = le32(body, 0)
	body = le32(body, 0)
	body = append(body, make([]byte, 12)...)
	add(capBitmapCacheRev2, body)
	// 2.2.7.1.5 Color table cache (ignored by modern servers, still sent).
	add(capColorCache, []byte{6, 0, 0, 0})
	// 2.2.7.2.3 Activation.
	add(capActivation, make([]byte, 8))
	// 2.2.7.2.2 Control: CONTROLPRIORITY_NEVER.
	add(capControl, []byte{0, 0, 0, 0, 2, 0, 2, 0})
	// 2.2.7.1.5 Pointer: color pointers, 20 color and 21 new-pointer entries.
	add(capPointer, []byte{1, 0, 20, 0, 21, 0})
	// 2.2.7.2.4 Share.
	add(capShare, []byte{0, 0, 0, 0})
	// 2.2.7.1.6 Input.
	body = le16(nil, inputFlagScancodes|inputFlagMouseX|inputFlagFastPath|inputFlagUnicode|inputFlagFastPathV2)
	body = le16(body, 0)
	body = le32(body, cc.keyboard)
	body = le32(body, 4)  // keyboardType
	body = le32(body, 0)  // keyboardSubType
	body = le32(body, 12) // keyboardFunctionKey
	body = append(body, make([]byte, 64)...)
	add(capInput, body)
	// 2.2.7.1.11 Sound: beeps.
	add(capSound, []byte{1, 0, 0, 0})
	// 2.2.7.2.5 Font: FONTSUPPORT_FONTLIST.
	add(capFont, []byte{1, 0, 0, 0})
	// 2.2.7.1.8 Glyph cache: ten caches as mstsc, GLYPH_SUPPORT_NONE unless
	// orders are claimed.
	body = nil
	for _, e := range [10][2]uint16{{254, 4}, {254, 4}, {254, 8}, {254, 8}, {254, 16}, {254, 32}, {254, 64}, {254, 128}, {254, 256}, {64, 2048}} {
		body = le16(body, e[0])
		body = le16(body, e[1])
	}
	body = le32(body, 0x01000100) // FragCache
	if cc.orders {
		body = le16(body, 3) // GLYPH_SUPPORT_ENCODE
	} else {
		body = le16(body, 0)
	}
	body = le16(body, 0)
	add(capGlyphCache, body)
	// 2.2.7.1.7 Brush: BRUSH_DEFAULT.
	add(capBrush, []byte{0, 0, 0, 0})
	// 2.2.7.1.9 Offscreen bitmap cache: not supported.
	add(capOffscreenCache, make([]byte, 8))
	// 2.2.7.1.10 Virtual channel: no compression, default chunk size.
	add(capVirtualChannel, []byte{0, 0, 0, 0, 0x40, 0x06, 0, 0})
	// 2.2.7.2.6 Multifragment update: room for one full screen.
	add(capMultiFragmentUpdate, le32(nil, uint32(cc.width*cc.height*4+16384)))
	return b, n
}

// confirmActivePDU builds the Confirm Active PDU (2.2.1.13.2.1).
func (cc capsConfig) confirmActivePDU(shareID uint32, user uint16) []byte {
	caps, n := cc.capabilitySets()
	const source = "MSTSC\x00"
	body := make([]byte, 0, 16+len(source)+len(caps))
	body = le32(body, shareID)
	body = le16(body, serverChannelID) // originatorId
	body = le16(body, uint16(len(source)))
	body = le16(body, uint16(4+len(caps)))
	body = append(body, source...)
	body = le16(body, uint16(n))
	body = le16(body, 0)
	body = append(body, caps...)
	b := make([]byte, 0, 6+len(body))
	b = appendShareControl(b, pduTypeConfirmActive, user, len(body))
	return append(b, body...)
}

// demandActive is what the client needs from the server's Demand Active.
type demandActive struct {
	shareID uint32
	source  uint16
	caps    int
	width   int // desktop size from the server's bitmap set, 0 if absent
	height  int
	bpp     int
}

// parseDemandActive parses the body of a Demand Active PDU after its Share
// Control Header and shareId (2.2.1.13.1.1), walking the capability sets.
func parseDemandActive(r *reader, h shareHeader) (demandActive, *Error) {
	d := demandActive{shareID: h.shareID, source: h.source}
	r.pdu = "Demand Active PDU"
	srcLen := int(r.u16le())
	capLen := int(r.u16le())
	r.skip(srcLen)
	d.caps = int(r.u16le())
	r.skip(2)
	if r.err != nil {
		return d, r.err
	}
	if capLen-4 > r.left() {
		r.fail("lengthCombinedCapabilities %d exceeds the %d bytes left", capLen, r.left()+4)
		return d, r.err
	}
	for i := 0; i < d.caps; i++ {
		typ := r.u16le()
		ln := int(r.u16le())
		if r.err != nil {
			return d, r.err
		}
		if ln < 4 {
			r.off -= 2
			r.fail("capability set %d length %d", typ, ln)
			return d, r.err
		}
		c := r.sub(ln-4, "capability set")
		if typ == capBitmap && c.left() >= 10 {
			d.bpp = int(c.u16le())
			c.skip(6)
			d.width = int(c.u16le())
			d.height = int(c.u16le())
		}
		if r.err != nil {
			return d, r.err
		}
	}
	return d, nil
}
