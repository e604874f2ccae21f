// Package rfb is a minimal RFB (VNC) probe: it connects to a VNC server,
// reads its version banner and security types, optionally passes VNC
// authentication, and reads the ServerInit message (framebuffer size and
// desktop name). It tells whether the Xvnc of an xrdp session is alive and
// accepts the password sesman derived for it.
//
// Xvnc of xrdp 0.9.x listens with -localhost on 5900+display, so the probe
// runs inside the target container (xrdp-harness-agent rfb-probe). The probe
// always asks for a shared session (ClientInit shared-flag 1) so it never
// disconnects xrdp's own connection to the same Xvnc.
//
// Reference: RFC 6143 (RFB 3.8) sections 7.1-7.3; versions 3.3 and 3.7 are
// handled as described there.
package rfb
