#!/usr/bin/env bash
# Extract the release model of each unpacked QEMU source tree once (vmcompat extract's cache
# under .cache/extracted, with the translated predicates beside it), both trees at once, so
# that the tests and the first `--releases TREE` start from the cache. Needs `npm run build`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pids=()
for tree in .cache/src/qemu-7.2.22 .cache/src/qemu-10.0.2; do
  [ -d "$tree" ] || { echo "extract-setup: $tree is missing: run npm run source:setup first" >&2; exit 1; }
  node --input-type=module -e "
    const { treeRelease } = await import('./dist/harness/releases.js');
    const t0 = Date.now();
    const r = await treeRelease(process.argv[1]);
    console.log('extract-setup: ' + r.name + ': ' + r.devices.length + ' device classes (' + ((Date.now() - t0) / 1000).toFixed(1) + ' s)');
  " "$tree" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
