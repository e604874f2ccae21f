package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"time"

	"github.com/xrdp-harness/xrdp-harness/fakeclient/rfb"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// probeOutput is rfb.Result plus what was probed and the error, if any.
type probeOutput struct {
	Addr string `json:"addr"`
	rfb.Result
	Err string `json:"error,omitempty"`
}

func cmdRFBProbe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rfb-probe", flag.ContinueOnError)
	guid := fs.String("password-guid", "", "session GUID (32 hex chars) from sesman; the VNC password is derived from it")
	password := fs.String("password", "", "VNC password")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		return usageError("want exactly one ADDR (host:port)")
	}
	if *guid != "" && *password != "" {
		return usageError("give -password-guid or -password, not both")
	}
	var opts []rfb.Option
	switch {
	case *guid != "":
		b, err := hex.DecodeString(*guid)
		if err != nil || len(b) != 16 {
			return usageError("-password-guid " + *guid + " is not 32 hex characters")
		}
		opts = append(opts, rfb.WithPassword(scp.VNCPassword(hex.EncodeToString(b))))
	case *password != "":
		opts = append(opts, rfb.WithPassword(*password))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, perr := rfb.Probe(ctx, pos[0], opts...)
	out := probeOutput{Addr: pos[0], Result: res}
	if perr != nil {
		out.Err = perr.Error()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if _, err := stdout.Write(append(b, '\n')); err != nil {
		return err
	}
	return perr
}
