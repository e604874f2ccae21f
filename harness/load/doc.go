// Package load holds the load executors the engine runs and the clients
// they drive.
//
// Executors (each a harness.Executor): ReconnectStorm (storm.go), Ramp and
// Burst (rate.go; a constant rate is a flat Ramp), Capacity (capacity.go:
// steps of sessions until a level degrades), Sequence and Pause
// (sequence.go), Nemesis (nemesis.go: a fault as a step). Scenario files
// name them through scenarios/loadkinds.go, whose test checks that every
// executor here has a kind.
//
// Clients (client.go): RDP drives fakeclient, SCP drives fakeclient/scp
// (SCP v0 straight to sesman, 0.9.x). fakeclient knows nothing of the
// harness: this package maps its outcomes and phases into harness.Op, and
// Style is fakeclient's DisconnectStyle.
//
// Every executor is bounded in count and time, records each operation in
// the run's OpLog, and stops when its context ends.
package load
