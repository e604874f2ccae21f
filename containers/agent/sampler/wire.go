package sampler

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// encoder appends events as JSON lines to buf. It is hand-written rather
// than encoding/json so that a sample costs no reflection and no
// allocation; containers/agent decodes the lines with encoding/json and a
// round-trip test keeps the two in step. Field names follow the json tags
// of harness.ProcEvent, harness.Tick and harness.LogLine, with "k" as the
// discriminator.
type encoder struct {
	buf []byte
}

func (e *encoder) begin(t time.Time, kind string) {
	e.buf = append(e.buf, `{"t":"`...)
	e.buf = t.UTC().AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, `","k":"`...)
	e.buf = append(e.buf, kind...)
	e.buf = append(e.buf, '"')
}

func (e *encoder) end() { e.buf = append(e.buf, "}\n"...) }

// int writes a number field; zero is left out, as omitempty does.
func (e *encoder) int(name string, v int64) {
	if v == 0 {
		return
	}
	e.buf = append(e.buf, ',', '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// count writes a number field even when it is zero (tick counters).
func (e *encoder) count(name string, v int64) {
	e.buf = append(e.buf, ',', '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// str writes a string field; "" is left out, as omitempty does.
func (e *encoder) str(name string, v string) {
	if v == "" {
		return
	}
	e.key(name)
	quote(e, v)
}

func (e *encoder) bytes(name string, v []byte) {
	if len(v) == 0 {
		return
	}
	e.key(name)
	quote(e, v)
}

func (e *encoder) time(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	e.key(name)
	e.buf = append(e.buf, '"')
	e.buf = t.UTC().AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, '"')
}

func (e *encoder) key(name string) {
	e.buf = append(e.buf, ',', '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
}

const hexDigits = "0123456789abcdef"

// quote writes s as a JSON string. Bytes that are not valid UTF-8 become
// U+FFFD (as encoding/json does), so every line is valid JSON whatever a
// process put in its command line or a log line holds.
func quote[S string | []byte](e *encoder, s S) {
	e.buf = append(e.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				e.buf = append(e.buf, '\\', c)
			case c == '\n':
				e.buf = append(e.buf, '\\', 'n')
			case c == '\r':
				e.buf = append(e.buf, '\\', 'r')
			case c == '\t':
				e.buf = append(e.buf, '\\', 't')
			case c < 0x20 || c == 0x7f:
				e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				e.buf = append(e.buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune([]byte(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			e.buf = append(e.buf, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			e.buf = append(e.buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		} else {
			e.buf = append(e.buf, s[i:i+size]...)
		}
		i += size
	}
	e.buf = append(e.buf, '"')
}
