#!/bin/sh
# Installs what xrdp-harness needs on the host, from Debian's packages, and
# only what is missing.
#   ci/install-deps.sh        the main job (`make run`): debootstrap, which
#                             makes the base images without a registry
#   ci/install-deps.sh test   also what the tests use (`make test`): FreeRDP +
#                             Xvfb (the real client the fakeclient is compared
#                             with) and xmllint (JUnit files against their XSD)
set -eu
need=""
command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap"
if [ "${1:-}" = test ]; then
  command -v xfreerdp >/dev/null 2>&1 || need="$need freerdp2-x11"
  command -v xvfb-run >/dev/null 2>&1 || need="$need xvfb xauth"
  command -v xmllint >/dev/null 2>&1 || need="$need libxml2-utils"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "xrdp-harness: need root to install:$need (apt-get install -y$need)" >&2; exit 1
  fi
else SUDO=""; fi
echo "xrdp-harness: installing$need"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || echo "xrdp-harness: apt-get update failed; trying with the lists we have" >&2
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
