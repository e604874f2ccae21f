package agent

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"

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

// Tail keeps the first N bytes written to it (a sampler's stderr, for the
// error of a stream that ended); it is safe for one writer and concurrent
// calls of String.
type Tail struct {
	N  int
	mu sync.Mutex
	b  strings.Builder
}

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.N - t.b.Len(); room > 0 {
		t.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// String is what was kept, without surrounding space.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(t.b.String())
}

// StreamEnded is the error of a sampler stream that ended while the run
// still watched: Feed's error (nil, a clean end, is io.ErrUnexpectedEOF
// here: the stream should not have ended) with the sampler's stderr.
func StreamEnded(err error, stderr *Tail) error {
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("sampler stream ended: %w (stderr: %s)", err, stderr.String())
}
