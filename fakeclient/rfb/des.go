package rfb

import (
	"crypto/des"
	"math/bits"
)

// vncAuthResponse encrypts the 16-byte challenge with the password as VNC
// authentication does (RFC 6143 7.2.2): the key is the password truncated
// or zero-padded to 8 bytes, each byte with its bits reversed (the quirk
// of the original VNC d3des code), and the challenge is encrypted as two
// DES ECB blocks.
func vncAuthResponse(password string, challenge [16]byte) [16]byte {
	var key [8]byte
	copy(key[:], password)
	for i := range key {
		key[i] = bits.Reverse8(key[i])
	}
	c, err := des.NewCipher(key[:])
	if err != nil {
		panic(err) // unreachable: the key is always 8 bytes
	}
	var out [16]byte
	c.Encrypt(out[0:8], challenge[0:8])
	c.Encrypt(out[8:16], challenge[8:16])
	return out
}
