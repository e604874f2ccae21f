package agent

import "testing"

// FuzzDecode: any line from the agent decodes to exactly one event or an
// error, never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"t":"2026-11-25T03:28:28.123456789Z","k":"start","pid":279,"ppid":277,"comm":"Xvnc","args":"Xvnc :10","state":"S"}`,
		`{"t":"2026-11-25T03:28:28Z","k":"tick","zombies":1}`,
		`{"t":"2026-11-25T03:28:28Z","k":"log","file":"xrdp-sesman.log","line":"x"}`,
		`{"k":"hello","v":1,"interval":100000000}`, `{"k":"warn","text":"x"}`, `{"k":"nope"}`, `{}`, `[`, `{"k":"tick","t":5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := Decode(line)
		if err != nil {
			return
		}
		n := 0
		for _, set := range []bool{ev.Proc != nil, ev.Tick != nil, ev.Log != nil, ev.Hello != nil, ev.Warn != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%q: %d fields set", line, n)
		}
		_ = ev.Time()
		ev.SetTarget("t")
	})
}
