// Package lint checks an operator's xrdp configuration (sesman.ini,
// xrdp.ini) against the traps this project knows, per xrdp version, before
// anything is booted. Each rule is a pure function of the parsed files and
// one version; each finding names its setting (file, section, key, line),
// the versions it hits, the evidence (the xrdp source line at a release
// tag, or a measured run) and the fix.
//
// The rules read xrdp's own code: where a rule states what a version does,
// its evidence names the tag, the file and the line. The release tarballs
// read are Debian's xrdp_0.9.21.1.orig.tar.gz and xrdp_0.10.1.orig.tar.gz,
// which are upstream's v0.9.21.1 and v0.10.1 release tarballs.
//
// A finding can be proved: Rule.Scenario names the short scenario that
// shows the trap on a real server (see scenarios.Prove), and the proof's
// verdict marks the finding confirmed or not.
package lint
