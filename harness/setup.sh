#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine (as root): QEMU 7.2 and 10.0,
# the QEMU source trees they were built from (and their extracted release models), and headless Chromium for the HTML report test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive
# measured on a fresh 2-core Debian 12 machine with Debian's mirror close by: about 2 minutes in all
echo "[setup] 4 steps, about 2 minutes on a fresh machine with a close mirror (longer on a slow one): QEMU 7.2 + 10.0, their source trees, the trees' extracted models (about 45 s, both at once), Chromium; each step prints its time"
step() {
  local name=$1 start=$SECONDS
  shift
  echo "[setup] $name ..."
  "$@"
  echo "[setup] $name: done in $((SECONDS - start)) s"
}
chromium_setup() {
  if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium
  fi
}
step "QEMU 7.2 and 10.0" bash harness/qemu-setup.sh
step "QEMU source trees" bash harness/source-setup.sh
step "extracted release models" bash harness/extract-setup.sh   # cached; about half a minute of CPU per tree, both at once
step "Chromium" chromium_setup
echo "[setup] all done in $SECONDS s"

