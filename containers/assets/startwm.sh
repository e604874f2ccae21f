#!/bin/sh
# xrdp-harness window manager: sesman runs it as the session's user with its
# DISPLAY; the session lives as long as this process (killing it ends the
# session). What it runs is set per target in desktop.env:
#   minimal  exec sleep infinity (almost no cost)
#   xfce4    Xfce under dbus-launch (a session bus, as a real session has)
#   command  the target's own command through /bin/sh -c
# With XH_WORKLOAD set the agent's simulated user runs beside it.
XH_DESKTOP=minimal
XH_COMMAND=
XH_WORKLOAD=
[ -r /etc/xrdp-harness/desktop.env ] && . /etc/xrdp-harness/desktop.env
if [ -n "$XH_WORKLOAD" ]; then
  # shellcheck disable=SC2086 # XH_WORKLOAD is a list of agent flags
  /usr/local/bin/xrdp-harness-agent workload -desktop "$XH_DESKTOP" $XH_WORKLOAD </dev/null >/dev/null 2>&1 &
fi
case "$XH_DESKTOP" in
  xfce4) exec dbus-launch --exit-with-session xfce4-session ;;
  command) exec /bin/sh -c "$XH_COMMAND" ;;
  *) exec sleep infinity ;;
esac
