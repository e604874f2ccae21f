// Package fakeclient is the load generator's RDP client: a small, header-only
// implementation of the client side of [MS-RDPBCGR] that logs a user into
// xrdp over TLS, reaches the user's session and then idles cheaply, so that
// hundreds of connected clients fit in one process.
//
// One file per protocol layer, bottom up: tpkt.go and x224.go (framing and
// security negotiation), ber.go and per.go (the two ASN.1 encodings the
// connection sequence uses), mcs.go (T.125 domain PDUs), gcc.go (T.124
// conference create with the client/server data blocks), sec.go (basic
// security header and the Client Info PDU), licensing.go, capabilities.go,
// share.go (share control/data PDUs, finalization, error info) and
// fastpath.go (server output). client.go drives the connection sequence and
// owns the connection afterwards.
//
// The client is faithful where xrdp looks (the X.224 cookie, GCC client data
// with a per-client name that xrdp logs as "connected client computer name",
// Client Info with INFO_AUTOLOGON, the capability sets a real client sends,
// finalization) and minimal elsewhere: it decodes only the headers of update
// PDUs and discards bitmap payloads unread.
//
// # Login success
//
// With autologon and a wrong password xrdp 0.9.x keeps the connection open
// and paints its own login screen and log window instead of the session, so
// "the connection sequence finished" says nothing. Dial decides by what
// xrdp draws after the Font Map (observed with 0.9.21.1, recorded in
// testdata/replay-*.json, and read from xrdp's xrdp_cache.c and xrdp_wm.c):
//
//   - Session: a pointer update (new, color or cached pointer) for a cache
//     slot ≥ 2. xrdp's window manager puts its two static cursors in slots
//     0 and 1 (xrdp_cache_add_pointer_static) right after activation, in
//     both outcomes; cursors from the session module (the VNC cursor of
//     Xvnc, or xorgxrdp's) go through xrdp_cache_add_pointer, which only
//     uses slots from 2. So the session's cursor appears exactly when xrdp
//     has connected to the session: about 0.2-0.4 s after the Font Map here,
//     right after xrdp logs "VNC connection complete, connected ok". A
//     session whose desktop is idle sends no bitmap at all (xrdp clears the
//     screen with one opaque-rectangle order), which is why drawing updates
//     cannot serve as the signal.
//   - Not a session: xrdp's window manager drawing its own windows. After a
//     failed login (PAM delay, about 2 s) it draws the login window and the
//     log window, about seventy drawing orders; the session path draws one.
//     When 16 or more orders arrive before the session's cursor, Dial waits
//     SettleTimeout (at least 300ms) more for the cursor and otherwise fails
//     with ReasonNoSession. The same rule catches sesman refusals and "VNC
//     error - problem connecting", which also end in xrdp's log window.
//   - After the session's cursor, Dial keeps watching for SettleTimeout for a
//     Set Error Info PDU, a Disconnect Provider Ultimatum or a close, then
//     reports ok.
//   - Neither before the context's deadline: outcome info, ReasonTimeout,
//     with the update and order counts in the error.
//
// The cursor rule depends on xrdp's pointer cache layout, which has been the
// same from 0.9.0 to 0.10.x; a server that sends no cursor for its session
// (not xrdp with Xvnc or xorgxrdp) would make Dial end with info/timeout,
// never with a false ok.
//
// # Phases
//
// Dial times the phases the harness records (names as in harness.Phase):
//
//	tcp           TCP connect
//	x224          X.224 Connection Request sent until Connection Confirm read
//	tls           TLS handshake
//	mcs           MCS Connect-Initial until the last Channel Join Confirm
//	login         Client Info PDU sent until the first licensing PDU arrives
//	              (xrdp answers the Client Info PDU with it)
//	licensing     first licensing PDU until the license exchange ends
//	capabilities  end of licensing until the Font Map PDU (Demand Active,
//	              Confirm Active and finalization)
//	first-update  Font Map until the session's first graphics update is
//	              recognised (xrdp starts the session during this phase)
package fakeclient
