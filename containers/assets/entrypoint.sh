#!/bin/sh
# xrdp-harness entrypoint (PID 2, under tini). Applies the run's settings,
# starts xrdp-sesman and xrdp as daemons (their parent becomes tini, which
# reaps like init does on a real host), then idles.
set -eu
conf=/etc/xrdp-harness
log() { echo "xrdp-harness: $*"; }

. /usr/local/share/xrdp-harness/flavour.env

# Settings written by the harness before start (all optional, so the image
# also boots with a plain `docker run`).
XH_USERS=2
XH_USER_PREFIX=user
XH_PASSWORD=xrdp-harness
[ -r "$conf/run.env" ] && . "$conf/run.env"

i=1
users=""
while [ "$i" -le "$XH_USERS" ]; do
  u="$XH_USER_PREFIX$i"
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"
  users="$users$u:$XH_PASSWORD
"
  i=$((i + 1))
done
[ -n "$users" ] && printf '%s' "$users" | chpasswd
log "users ${XH_USER_PREFIX}1..${XH_USER_PREFIX}$XH_USERS ready"

# The harness's defaults first, then the run's overrides: one line each,
# "file<TAB>section<TAB>key<TAB>value".
if [ -r "$conf/ini.tsv" ]; then
  agent=/usr/local/bin/xrdp-harness-agent
  [ -x "$agent" ] || { log "ini overrides given but $agent is missing"; exit 1; }
  tab=$(printf '\t')
  while IFS="$tab" read -r f s k v; do
    [ -z "$f" ] && continue
    "$agent" ini-set "$f" "$s" "$k" "$v"
  done < "$conf/ini.tsv"
fi

mkdir -p /tmp/.X11-unix /var/log/xrdp-harness /var/run/xrdp
chmod 1777 /tmp/.X11-unix /var/log/xrdp-harness
touch /var/log/xrdp-harness/reconnect.log /var/log/xrdp-harness/workload.log
chmod 666 /var/log/xrdp-harness/reconnect.log /var/log/xrdp-harness/workload.log
[ -n "${XH_SOCKSETUP:-}" ] && [ -f "$XH_SOCKSETUP" ] && sh "$XH_SOCKSETUP"

xrdp-sesman
xrdp
log "xrdp-sesman and xrdp started"

# sesman keeps its loopback-only default (chansrv follows it to its UNIX
# socket); the harness reaches SCP through a relay on the container's
# interfaces. Started in a subshell so that tini, not this script, is its
# parent.
if [ -n "${XH_SCP_RELAY:-}" ]; then
  ( /usr/local/bin/xrdp-harness-agent relay $XH_SCP_RELAY >/dev/null 2>&1 & )
  log "SCP relay $XH_SCP_RELAY"
fi
exec sleep infinity
