package fakeclient

import "fmt"

// Fast-path server output ([MS-RDPBCGR] 2.2.9.1.2) and the slow-path update
// and pointer PDUs (2.2.9.1.1.3, 2.2.9.1.1.4): only headers are decoded.

const (
	fpOutputEncrypted = 0x2 // FASTPATH_OUTPUT_ENCRYPTED in the header's flags

	fpUpdateOrders      = 0x0
	fpUpdateBitmap      = 0x1
	fpUpdatePalette     = 0x2
	fpUpdateSync        = 0x3
	fpUpdateSurfCmds    = 0x4
	fpUpdatePtrNull     = 0x5
	fpUpdatePtrDefault  = 0x6
	fpUpdatePtrPosition = 0x8
	fpUpdateColor       = 0x9
	fpUpdateCached      = 0xa
	fpUpdatePointer     = 0xb
	fpUpdateLargePtr    = 0xc

	fpCompressionUsed = 0x2

	updateTypeOrders  = 0 // slow-path updateType (2.2.9.1.1.3.1)
	updateTypeBitmap  = 1
	updateTypePalette = 2
	updateTypeSync    = 3

	ptrMsgSystem   = 0x0001 // slow-path pointer messageType (2.2.9.1.1.4)
	ptrMsgPosition = 0x0003
	ptrMsgColor    = 0x0006
	ptrMsgCached   = 0x0007
	ptrMsgPointer  = 0x0008
	ptrMsgLarge    = 0x0009
)

// updateClass groups server updates by what they draw.
type updateClass uint8

const (
	classOther   updateClass = iota
	classBitmap              // bitmap data: session pixels or painter output
	classOrders              // drawing orders
	classPointer             // pointer shape or position
	classSurface             // surface commands (RemoteFX, etc.)
)

// sessionPointer reports whether u defines or selects a pointer in a cache
// slot that only the session's module uses. xrdp's window manager loads its
// two static cursors into slots 0 and 1 (xrdp_cache_add_pointer_static); a
// session's cursors go through xrdp_cache_add_pointer, which starts at 2.
func (u update) sessionPointer() bool {
	if u.class != classPointer || u.cacheIndex < 2 {
		return false
	}
	if u.fastPath {
		return u.code == fpUpdatePointer || u.code == fpUpdateColor || u.code == fpUpdateCached
	}
	return u.code == ptrMsgPointer || u.code == ptrMsgColor || u.code == ptrMsgCached
}

// update is the header of one server graphics update.
type update struct {
	fastPath bool
	code     uint8 // fast-path updateCode, or slow-path updateType/messageType
	class    updateClass
	frag     uint8
	size     int
	// orders: numberOrders and the control flags of the first order, when
	// the kept prefix holds them.
	numOrders  int
	firstOrder int // -1 when unknown
	// pointers: cacheIndex of a color/new pointer, -1 when unknown.
	cacheIndex int
	secType    int // first order's secondary orderType when it is one, -1 otherwise
	// frameMarker: surface commands whose first is a TS_FRAME_MARKER
	// (cmdType CMDTYPE_FRAME_MARKER, [MS-RDPBCGR] 2.2.9.2.3).
	frameMarker bool
}

// cmdTypeFrameMarker is TS_FRAME_MARKER's cmdType (2.2.9.2.3).
const cmdTypeFrameMarker = 0x0004

func (u update) String() string {
	var s string
	if u.fastPath {
		s = "fast-path "
	}
	switch u.class {
	case classBitmap:
		s += "Bitmap"
	case classOrders:
		s += fmt.Sprintf("Orders(n=%d first=0x%x type=0x%x)", u.numOrders, u.firstOrder, u.secType)
	case classPointer:
		s += fmt.Sprintf("Pointer(0x%x idx=%d)", u.code, u.cacheIndex)
	case classSurface:
		s += "Surface Commands"
		if u.frameMarker {
			s += "(frame marker)"
		}
	default:
		s += fmt.Sprintf("Update(0x%x)", u.code)
	}
	return s
}

func fpClass(code uint8) updateClass {
	switch code {
	case fpUpdateBitmap:
		return classBitmap
	case fpUpdateOrders:
		return classOrders
	case fpUpdateSurfCmds:
		return classSurface
	case fpUpdatePtrNull, fpUpdatePtrDefault, fpUpdatePtrPosition, fpUpdateColor, fpUpdateCached, fpUpdatePointer, fpUpdateLargePtr:
		return classPointer
	}
	return classOther
}

// parseFastPath returns the updates whose headers lie in the kept prefix of
// a fast-path output frame. The first update is always complete unless the
// frame is malformed; later ones are as far as the prefix reaches.
func parseFastPath(f frame, out []update) ([]update, *Error) {
	r := newReader(f.b, 0, "fast-path output PDU")
	h := r.u8()
	if h>>6&fpOutputEncrypted != 0 {
		r.off--
		r.fail("encrypted fast-path output under TLS")
		return out, r.err
	}
	if c := r.u8(); c&0x80 != 0 {
		r.skip(1)
	}
	remaining := f.total - r.off // bytes of updates, kept or not
	for remaining > 0 && r.err == nil {
		if r.left() < 3 {
			if len(out) == 0 {
				r.need(3)
			}
			break
		}
		start := r.off
		uh := r.u8()
		u := update{fastPath: true, code: uh & 0x0f, frag: uh >> 4 & 0x3, firstOrder: -1, cacheIndex: -1, secType: -1}
		u.class = fpClass(u.code)
		if uh>>6&fpCompressionUsed != 0 {
			r.skip(1)
		}
		u.size = int(r.u16le())
		hdr := r.off - start
		if r.err != nil {
			break
		}
		if u.size > remaining-hdr {
			r.off -= 2
			r.fail("update size %d exceeds the %d bytes left", u.size, remaining-hdr)
			break
		}
		if u.class == classOrders && u.frag == 0 && r.left() >= 2 && u.size >= 2 {
			u.numOrders = int(r.u16le())
			if r.left() >= 1 && u.size >= 3 {
				u.firstOrder = int(r.b[r.off])
				if u.firstOrder&0x03 == 0x03 && r.left() >= 6 {
					u.secType = int(r.b[r.off+5])
				} else if u.firstOrder&0x0b == 0x09 && r.left() >= 2 {
					u.secType = 0x100 | int(r.b[r.off+1])
				}
			}
			r.off -= 2
		}
		if u.code == fpUpdateSurfCmds && u.frag == 0 && r.left() >= 2 && u.size >= 2 {
			u.frameMarker = int(r.b[r.off])|int(r.b[r.off+1])<<8 == cmdTypeFrameMarker
		}
		if u.frag == 0 && r.left() >= 4 && u.size >= 4 {
			switch u.code {
			case fpUpdatePointer:
				u.cacheIndex = int(r.b[r.off+2]) | int(r.b[r.off+3])<<8
			case fpUpdateColor, fpUpdateCached:
				u.cacheIndex = int(r.b[r.off]) | int(r.b[r.off+1])<<8
			}
		}
		out = append(out, u)
		remaining -= hdr + u.size
		if u.size > r.left() {
			break
		}
		r.skip(u.size)
	}
	return out, r.err
}

// parseSlowPathUpdate classifies a slow-path Update or Pointer data PDU.
func parseSlowPathUpdate(r *reader, h shareHeader) (update, *Error) {
	u := update{firstOrder: -1, cacheIndex: -1, secType: -1}
	if h.compressed {
		// Bulk-compressed: the type is inside the compressed bytes. This
		// client never offers compression, so count it as "other".
		return u, nil
	}
	code := r.u16le()
	u.code = uint8(code)
	if h.pduType2 == pduType2Pointer {
		u.class = classPointer
		r.skip(2) // pad2Octets
		switch code {
		case ptrMsgColor, ptrMsgCached:
			u.cacheIndex = int(r.u16le())
		case ptrMsgPointer:
			r.skip(2) // xorBpp
			u.cacheIndex = int(r.u16le())
		}
		return u, r.err
	}
	switch code {
	case updateTypeBitmap:
		u.class = classBitmap
	case updateTypeOrders:
		u.class = classOrders
		r.skip(2) // pad2OctetsA
		u.numOrders = int(r.u16le())
		if r.left() >= 3 {
			r.skip(2) // pad2OctetsB
			u.firstOrder = int(r.u8())
		}
	}
	return u, r.err
}
