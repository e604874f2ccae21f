package harness

import "context"

// User is a test account that exists on a target.
type User struct {
	Name, Password string
}

// Target is one xrdp server of the lab, as the engine, clients and faults
// see it. containers.Server provides one; tests may provide fakes.
type Target interface {
	Name() string
	Info() TargetInfo
	// RDPAddr and SesmanAddr are host endpoints (127.0.0.1:port);
	// SesmanAddr is "" when sesman has no TCP endpoint (0.10 and later).
	RDPAddr() string
	SesmanAddr() string
	Users() []User
	// Exec runs a command inside the target: exit code, combined output.
	Exec(ctx context.Context, cmd ...string) (int, string, error)
	// Watch streams the target's process events, sampler ticks and log
	// lines into sink until ctx ends. It returns when ctx ends or the stream
	// breaks (the target died).
	Watch(ctx context.Context, sink Sink) error
}

// Sink receives what a target's sampler sees. Implementations must be safe
// for concurrent use and must not block for long.
type Sink interface {
	Proc(ProcEvent)
	Tick(Tick)
	Log(LogLine)
}

// Lab brings the targets of a plan up and down.
type Lab interface {
	// Up starts every target and returns them ready. On error it returns
	// what did start, so that Down can remove it.
	Up(ctx context.Context) ([]Target, error)
	// Down removes everything Up made. It must work after a failed or
	// cancelled Up and when called twice.
	Down(ctx context.Context) error
}

// RecordFinisher is a Lab that completes the Record once the run is over:
// the lab is down and every op, event and log line is in. The engine calls
// it on every Record it returns, partial ones too. A balancer in front of a
// fleet (harness/fleet) uses it to name, for each op, the host behind it
// that served the connection.
type RecordFinisher interface {
	FinishRecord(r *Record)
}

// LiveAttributor is a Lab that can name, while the run goes, the target
// behind a balancer that serves an op: the harness's own round robin knows
// which host it gave each user. The engine uses it for live events only
// (progress, metrics: the op is sent with Target the host and Via the
// balancer); the Record keeps ops as the clients made them until
// FinishRecord. "" when it cannot tell.
type LiveAttributor interface {
	LiveTarget(op Op) string
}
