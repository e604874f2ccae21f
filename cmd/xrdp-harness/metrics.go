package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// checkMetricsAddr accepts HOST:PORT on a loopback address only: the
// metrics name the lab's targets, and the harness publishes nothing beyond
// this machine.
func checkMetricsAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--metrics %q: want HOST:PORT on loopback, e.g. 127.0.0.1:9464", addr)
	}
	if port == "" {
		return fmt.Errorf("--metrics %q: no port; e.g. 127.0.0.1:9464 (0 picks a free one)", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--metrics %q: %q is not a loopback address; serve on 127.0.0.1 or [::1] and let a local Prometheus or a tunnel reach it", addr, host)
	}
	return nil
}

// metricsServer serves m on addr until stop is called.
type metricsServer struct {
	srv  *http.Server
	done chan struct{}
}

func serveMetrics(addr string, m *reports.Metrics, stderr io.Writer) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	s := &metricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "xrdp-harness: metrics: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "xrdp-harness: Prometheus metrics on http://%s/metrics\n", ln.Addr())
	return s, nil
}

func (s *metricsServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
}

// teeProgress feeds a run's live events to the metrics and on to next
// (the progress display), dropping rather than blocking as the engine
// does. The returned finish stops the tee, then calls done.
func teeProgress(run string, m *reports.Metrics, next chan<- harness.Progress, done func(*harness.Record, error)) (chan<- harness.Progress, func(*harness.Record, error)) {
	ch := make(chan harness.Progress, 1024)
	stop, stopped := make(chan struct{}), make(chan struct{})
	forward := func(p harness.Progress) {
		m.Observe(run, p)
		select {
		case next <- p:
		default:
		}
	}
	go func() {
		defer close(stopped)
		for {
			select {
			case p := <-ch:
				forward(p)
			case <-stop:
				for {
					select {
					case p := <-ch:
						forward(p)
					default:
						return
					}
				}
			}
		}
	}()
	return ch, func(rec *harness.Record, err error) {
		close(stop)
		<-stopped
		done(rec, err)
	}
}
