package scp

import (
	"crypto/sha1"
	"encoding/hex"
)

// VNCPassword derives the password sesman writes (DES-obfuscated) into the
// Xvnc -rfbauth file and xrdp's VNC module answers the RFB challenge with:
// the first 4 bytes, as 8 lowercase hex characters, of
// SHA1("xrdp_vnc" + secret + secret). For 0.9.x sesman the secret is the
// session GUID in lowercase hex (Reply.GUIDHex); versions that send no GUID
// used the user's password. Source: xrdp sesman/env.c
// env_check_password_file and vnc/vnc.c rfbHashEncryptBytes.
func VNCPassword(secret string) string {
	h := sha1.New()
	h.Write([]byte("xrdp_vnc"))
	h.Write([]byte(secret))
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil)[:4])
}
