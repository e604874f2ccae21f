#!/bin/sh
# xrdp-harness reconnect script: sesman runs it on every reconnect. It records
# each run and can take a settable time and align its exit to a clock
# boundary, which makes many scripts exit together (the SIGCHLD defect needs
# coinciding exits). Settings are re-read on every run from reconnect.env.
RUN_TIME=0
ALIGN_MS=0
[ -r /etc/xrdp-harness/reconnect.env ] && . /etc/xrdp-harness/reconnect.env
out=/var/log/xrdp-harness/reconnect.log
who=$(id -un)
echo "$(date +%s.%N) start pid=$$ user=$who display=${DISPLAY:-}" >> "$out"
[ "$RUN_TIME" != 0 ] && sleep "$RUN_TIME"
if [ "$ALIGN_MS" -gt 0 ]; then
  now=$(date +%s%3N)
  wait_ms=$((ALIGN_MS - now % ALIGN_MS))
  sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
fi
echo "$(date +%s.%N) end pid=$$ user=$who display=${DISPLAY:-}" >> "$out"
