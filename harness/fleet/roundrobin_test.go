package fleet

import (
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
)

// crFor is an X.224 Connection Request in a TPKT carrying user's cookie,
// as mstsc and the fakeclient send it.
func crFor(user string) []byte {
	body := []byte{0, 0xe0, 0, 0, 0, 0, 0}
	body = append(body, []byte("Cookie: mstshash="+user+"\r\n")...)
	body[0] = byte(len(body) - 1)
	pdu := []byte{3, 0, 0, 0}
	pdu = append(pdu, body...)
	binary.BigEndian.PutUint16(pdu[2:], uint16(len(pdu)))
	return pdu
}

// backend answers each connection with its index once it has read a CR.
func backend(t *testing.T, i int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				hdr := make([]byte, 4)
				if _, err := io.ReadFull(c, hdr); err != nil {
					return
				}
				rest := make([]byte, int(binary.BigEndian.Uint16(hdr[2:]))-4)
				if _, err := io.ReadFull(c, rest); err != nil {
					return
				}
				c.Write([]byte(strconv.Itoa(i)))
			}()
		}
	}()
	return ln.Addr().String()
}

func TestRoundRobinKeepsEachUserOnOneTarget(t *testing.T) {
	rr, err := NewRoundRobin([]string{backend(t, 0), backend(t, 1), backend(t, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	got := map[string][]string{}
	for _, u := range []string{"user1", "user2", "user3", "user4", "user1", "user2", "user3", "user4", "user1"} {
		c, err := net.Dial("tcp", rr.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(crFor(u)); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		got[u] = append(got[u], string(b))
	}
	want := map[string]string{"user1": "0", "user2": "1", "user3": "2", "user4": "0"}
	for u, ts := range got {
		for _, tg := range ts {
			if tg != want[u] {
				t.Errorf("%s went to %v, want always %s", u, ts, want[u])
				break
			}
		}
	}
	if a := rr.Assigned(); len(a) != 4 || a["user4"] != 0 {
		t.Errorf("assigned %v", a)
	}
}

func TestCookieUser(t *testing.T) {
	if u := cookieUser(crFor("alice")); u != "alice" {
		t.Errorf("got %q", u)
	}
	if u := cookieUser([]byte{3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0}); u != "" {
		t.Errorf("no cookie: got %q", u)
	}
}

// TestRoundRobinKeysOnTheCookie: users whose names share their first 9
// characters send one cookie (as mstsc does) and so share a target.
func TestRoundRobinKeysOnTheCookie(t *testing.T) {
	rr, err := NewRoundRobin([]string{backend(t, 0), backend(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	got := map[string]string{}
	for _, u := range []string{"xrdpuser01", "xrdpuser02", "other"} {
		c, err := net.Dial("tcp", rr.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(crFor(fakeclient.Cookie(u))); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		got[u] = string(b)
	}
	if got["xrdpuser01"] != got["xrdpuser02"] || got["other"] == got["xrdpuser01"] {
		t.Errorf("targets %v: want xrdpuser01 and xrdpuser02 together (one cookie), other on the next target", got)
	}
}
