// Package scp is a client for SCP v0, the protocol xrdp 0.9.x uses between
// xrdp and xrdp-sesman. The harness uses it to ask sesman for sessions
// directly, without an RDP client in front: it is the cheapest way to create,
// reconnect and authenticate sessions at high rates.
//
// The protocol is big-endian over TCP, one request per connection. Every
// message starts with an 8-byte header (u32 version 0, u32 total size
// including the header). Sources checked: xrdp sesman/libscp/libscp_v0.c and
// sesman/scp_v0.c (v0.9.17 … v0.9.24). xrdp 0.10 replaced SCP v0 with a new
// protocol; against such a server every call fails with a *ProtocolError
// that says what was received.
//
// Every call honours its context: give it a deadline, because a stopped
// sesman (SIGSTOP) accepts connections and never answers.
package scp
