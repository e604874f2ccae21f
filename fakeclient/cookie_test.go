package fakeclient

import (
	"bytes"
	"testing"
)

// TestCookieIsMstscs: the routing cookie keeps the first 9 characters of
// the user name, as mstsc does, so names that share them share a cookie.
func TestCookieIsMstscs(t *testing.T) {
	for _, tc := range []struct{ user, want string }{
		{"user1", "user1"},
		{"user10", "user10"},
		{"xrdpuser01", "xrdpuser0"},
		{"xrdpuser02", "xrdpuser0"},
		{"administrator", "administr"},
		{"dom user", "domuser"}, // no space: it would end the cookie's word
	} {
		if got := Cookie(tc.user); got != tc.want {
			t.Errorf("Cookie(%q) = %q, want %q", tc.user, got, tc.want)
		}
	}
	cr := x224ConnectionRequest(Cookie("xrdpuser01"))
	if !bytes.Contains(cr, []byte("Cookie: mstshash=xrdpuser0\r\n")) {
		t.Errorf("connection request %q lacks the 9-character cookie", cr)
	}
}
