package reports

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Metrics turns the engine's live events into Prometheus metrics, per run
// ("scenario @ version") and target, on a registry of its own: client
// operations by kind and outcome, login latency, zombies and sessions as the
// sampler last saw them, and faults injected, healed, failed and active.
// It is an output as k6's are: fed from the progress stream, it never
// blocks the engine.
type Metrics struct {
	reg      *prometheus.Registry
	ops      *prometheus.CounterVec
	login    *prometheus.HistogramVec
	zombies  *prometheus.GaugeVec
	sessions *prometheus.GaugeVec
	procs    *prometheus.GaugeVec
	active   *prometheus.GaugeVec
	faults   *prometheus.CounterVec

	mu   sync.Mutex
	open map[faultKey]bool // injected, not yet healed
}

type faultKey struct {
	run, target, name string
	inject            time.Time
}

// LoginBuckets are the login latency histogram's buckets, in seconds: xrdp
// logins take 0.3–3 s on an idle node and tens of seconds when sesman is
// stuck.
var LoginBuckets = []float64{0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60}

// NewMetrics makes the metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), open: map[faultKey]bool{}}
	m.ops = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xrdp_harness_ops_total",
		Help: "Client operations by kind (login, reconnect, disconnect, scp, rfb) and outcome (ok, fail, info)."},
		[]string{"run", "target", "kind", "outcome"})
	m.login = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "xrdp_harness_login_seconds",
		Help: "Duration of successful logins and reconnects.", Buckets: LoginBuckets}, []string{"run", "target"})
	m.zombies = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xrdp_harness_zombies",
		Help: "Defunct processes in the target at the sampler's last tick."}, []string{"run", "target"})
	m.sessions = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xrdp_harness_sessions",
		Help: "Live X server (Xvnc) processes in the target at the sampler's last tick."}, []string{"run", "target"})
	m.procs = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xrdp_harness_processes",
		Help: "Processes in the target at the sampler's last tick."}, []string{"run", "target"})
	m.active = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "xrdp_harness_faults_active",
		Help: "Faults injected and not yet healed."}, []string{"run", "target"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xrdp_harness_faults_total",
		Help: "Fault events by fault and event (injected, healed, failed)."}, []string{"run", "target", "fault", "event"})
	m.reg.MustRegister(m.ops, m.login, m.zombies, m.sessions, m.procs, m.active, m.faults)
	return m
}

// Registry is the registry the metrics are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Observe counts one live event of run.
func (m *Metrics) Observe(run string, p harness.Progress) {
	switch {
	case p.Kind == harness.KindOp && p.Op != nil:
		o := p.Op
		m.ops.WithLabelValues(run, o.Target, string(o.Kind), string(o.Outcome)).Inc()
		if o.Outcome == harness.OK && (o.Kind == harness.OpLogin || o.Kind == harness.OpReconnect) {
			m.login.WithLabelValues(run, o.Target).Observe(o.Duration().Seconds())
		}
	case p.Kind == harness.KindTick && p.Tick != nil:
		t := p.Tick
		m.zombies.WithLabelValues(run, t.Target).Set(float64(t.Zombies))
		m.sessions.WithLabelValues(run, t.Target).Set(float64(t.Sessions))
		m.procs.WithLabelValues(run, t.Target).Set(float64(t.Procs))
	case p.Kind == harness.KindFault && p.Fault != nil:
		m.fault(run, *p.Fault)
	}
}

// fault follows a fault's two events: the first (inject) opens it, the
// second (heal, or the error) closes it. An inject that failed is one
// event with Err set.
func (m *Metrics) fault(run string, w harness.FaultWindow) {
	k := faultKey{run, w.Target, w.Name, w.Inject}
	m.mu.Lock()
	defer m.mu.Unlock()
	active := m.active.WithLabelValues(run, w.Target)
	if m.open[k] {
		delete(m.open, k)
		active.Dec()
		if w.Err != "" {
			m.faults.WithLabelValues(run, w.Target, w.Name, "failed").Inc()
		} else {
			m.faults.WithLabelValues(run, w.Target, w.Name, "healed").Inc()
		}
		return
	}
	if w.Err != "" {
		m.faults.WithLabelValues(run, w.Target, w.Name, "failed").Inc()
		return
	}
	m.faults.WithLabelValues(run, w.Target, w.Name, "injected").Inc()
	if w.Heal.IsZero() {
		m.open[k] = true
		active.Inc()
	} else {
		m.faults.WithLabelValues(run, w.Target, w.Name, "healed").Inc()
	}
}
