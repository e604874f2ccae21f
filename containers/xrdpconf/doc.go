// Package xrdpconf is the operator's own xrdp configuration: a directory
// with any of sesman.ini, xrdp.ini, startwm.sh, reconnectwm.sh and km-*.ini,
// read once, laid down on every version's /etc/xrdp, with what the harness
// itself needs layered on top and recorded as a diff against the operator's
// files, so nothing the operator set changes silently.
package xrdpconf
