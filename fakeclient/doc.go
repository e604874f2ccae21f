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
// With autologon and a wrong password xrdp 0.9.x keeps the connection open and
// paints its own login screen and log window instead of the session. The
// client tells the two apart by what xrdp draws: see Discriminator in
// client.go for the rule and why it holds.
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
