package main

import (
	"context"
	"io"
	"strconv"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

func cmdIniSet(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 4 {
		return usageError("ini-set FILE SECTION KEY VALUE (4 arguments, got " + strconv.Itoa(len(args)) + ")")
	}
	return ini.SetFile(args[0], args[1], args[2], args[3])
}

func cmdIniAdd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 4 {
		return usageError("ini-add FILE SECTION KEY VALUE (4 arguments, got " + strconv.Itoa(len(args)) + ")")
	}
	return ini.AddFile(args[0], args[1], args[2], args[3])
}
