// Package load holds the load shapes the engine runs (reconnect storm,
// constant rate, ramp, burst) and the clients they drive: the RDP fakeclient
// and the SCP v0 sesman client. Every shape is bounded in count and time,
// records each operation in the run's OpLog, and stops when its context
// ends.
package load
