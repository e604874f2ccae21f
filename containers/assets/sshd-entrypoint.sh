#!/bin/sh
# xrdp-harness "ssh host" entrypoint (under tini): makes the SSH logins the
# harness was given, starts sshd with the host key it was given, then runs
# the xrdp entrypoint. It stands in for an existing host: the harness drives
# it through SSH only.
set -eu
c=/etc/xrdp-harness/ssh
log() { echo "xrdp-harness: $*"; }
# XH_SSH_LOGINS: "name:sudo name2:" (":sudo" gives a NOPASSWD sudo rule).
. "$c/ssh.env"
for l in $XH_SSH_LOGINS; do
  u=${l%%:*}
  s=${l#*:}
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"
  usermod -p '*' "$u"
  install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
  install -m 600 -o "$u" -g "$u" "$c/authorized_keys" "/home/$u/.ssh/authorized_keys"
  if [ "$s" = sudo ]; then
    echo "$u ALL=(root) NOPASSWD: ALL" > "/etc/sudoers.d/xh-$u"
    chmod 440 "/etc/sudoers.d/xh-$u"
  fi
done
install -m 600 "$c/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
printf 'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n' > /etc/ssh/sshd_config.d/xrdp-harness.conf
mkdir -p /run/sshd
/usr/sbin/sshd
log "sshd started"
exec /usr/local/share/xrdp-harness/entrypoint.sh
