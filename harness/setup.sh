#!/usr/bin/env bash
# Everything the tests need on a fresh Debian 12 machine (as root): QEMU 7.2 and 10.0,
# the QEMU source trees they were built from (and their extracted release models), and headless Chromium for the HTML report test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive
bash harness/qemu-setup.sh
bash harness/source-setup.sh
bash harness/extract-setup.sh   # the trees' release models, cached (about a minute of CPU per tree, both at once)
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium
fi
