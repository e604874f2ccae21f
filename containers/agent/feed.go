package agent

import (
	"bufio"
	"io"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Feed decodes the stream of `xrdp-harness-agent sample` from r into sink
// until r ends, whatever carries it (docker exec, an SSH session). hello,
// when set, receives the agent's first line. A line that does not decode
// is skipped: it is not worth stopping a run. It returns r's error, nil at
// a clean end of stream.
func Feed(r io.Reader, sink harness.Sink, hello func(Hello)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		ev, err := Decode(sc.Bytes())
		if err != nil {
			continue
		}
		switch {
		case ev.Proc != nil:
			sink.Proc(*ev.Proc)
		case ev.Tick != nil:
			sink.Tick(*ev.Tick)
		case ev.Log != nil && ev.Log.Source == LogWorkload:
			// The workload's timed operations, followed like a log.
			if rs, ok := sink.(harness.ResponseSink); ok {
				if r, err := DecodeResponse(ev.Log.Text); err == nil {
					rs.Response(r)
				}
			}
		case ev.Log != nil:
			sink.Log(*ev.Log)
		case ev.Hello != nil && hello != nil:
			hello(*ev.Hello)
		}
	}
	return sc.Err()
}
