// Package ini edits xrdp's ini files (xrdp.ini, sesman.ini) in place the way
// a person would: it changes or adds one key and leaves every other byte
// alone (comments, blank lines, order, line endings), so the result can be
// diffed against the packaged file. The agent's ini-set and ini-add
// subcommands use it to apply a scenario's overrides at container start.
//
// It matches xrdp's own parser (common/file.c): section names and keys are
// compared without regard to case, whitespace around keys is ignored, lines
// starting with ';' or '#' are comments, and when a section appears twice
// xrdp reads the first, so that is the one edited.
package ini
