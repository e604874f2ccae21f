// Package containers boots real xrdp in Docker and hands it to the engine
// as a harness.Target.
//
// Images: catalog.go names the Debian-packaged versions; ImageSpec (spec.go)
// reads the CLI's version syntax, including source builds from a release
// tarball (source.go). A Builder (build.go) makes the debootstrap base, the
// runtime layer and the xrdp image once, tagged by a content hash, and
// reuses them; desktop.go, sshd.go and haproxy.go add optional layers.
//
// Startup: Run(ctx, version, opts...) starts one container with the
// functional options of options.go (users, display offset, MaxSessions,
// Policy, ini overrides, reconnect script, resources, operator config) and
// waits for RDP and sesman (ready.go). A Server (server.go) is the Target:
// addresses published on 127.0.0.1 only, Exec, files, and Watch, which
// streams the in-container agent's process, socket and log events
// (watch.go). Lab (lab.go) is the harness.Lab of one or more nodes; Down
// always removes what Up made. Containers carry owner labels (labels.go)
// so leftovers of dead runs can be swept.
//
// Version-dependent behaviour is asked of FeaturesOf(version) (features.go):
// SCP over TCP or a UNIX socket, sesman's per-session process, the
// MaxDisplayNumber default. Adding an xrdp version means a catalog line
// (Debian package) or nothing (source build), plus a Features case when it
// behaves differently.
package containers
