package main

import (
	"strings"
	"testing"
)

func TestDefaultRoute(t *testing.T) {
	const header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	tests := []struct {
		name, table    string
		iface, gw, err string
	}{
		{"docker network", header +
			"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
			"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", "eth0", "192.0.2.1", ""},
		{"default route second", header +
			"eth1\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
			"eth1\t00000000\t016433C6\t0003\t0\t0\t0\t00000000\t0\t0\t0\n", "eth1", "198.51.100.1", ""},
		// A down route (flags without RTF_UP) or one without a gateway is no default route.
		{"down or gatewayless", header +
			"eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n" +
			"eth0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n", "", "", "no IPv4 default route"},
		{"empty", "", "", "", "no IPv4 default route"},
		{"bad gateway", header + "eth0\t00000000\tZZ\t0003\n", "", "", `gateway "ZZ"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iface, gw, err := defaultRoute(strings.NewReader(tc.table))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || iface != tc.iface || gw.String() != tc.gw {
				t.Fatalf("got %q %v %v, want %q %s", iface, gw, err, tc.iface, tc.gw)
			}
		})
	}
}
