#!/usr/bin/env node
/**
 * State generation side by side in one process: this build's generators
 * against another build's (`--against DIR`, a directory holding an older
 * vmcompat's dist/, e.g. a checkout of main after `npm run build`), on the
 * devices whose large payloads dominate the matrix. Generated states per
 * second (fc.sample: generation, conformance and the device's validity
 * rules), in short alternating slices so a loaded machine slows both alike.
 * Without --against it prints this build's figures only.
 * `node bench/gen-side.mjs [--against DIR] [--seconds S] [--only NAME]`.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';

const { values } = parseArgs({ options: { against: { type: 'string' }, seconds: { type: 'string', default: '2' }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const BATCH = 25;

async function build(root) {
  const m = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  const [{ Engine }, { releases }, { deviceStateArbitrary }] = await Promise.all([m('src/machine/engine.js'), m('scenarios/releases/index.js'), m('scenarios/devices/gen-registry.js')]);
  return (release, machine, device) => {
    const engine = new Engine(releases.find((r) => r.name === release), machine, { devices: [device] });
    return deviceStateArbitrary(engine, engine.instances[0].key);
  };
}

const here = resolve(new URL('..', import.meta.url).pathname);
const sides = [['this', await build(here)]];
if (values.against) sides.unshift(['against', await build(resolve(values.against))]);

const cases = [
  ['ich9-ahci', '9.0.0', 'pc-q35-8.2'],
  ['e1000', '9.0.0', 'pc-q35-8.2'],
  ['e1000e', '9.0.0', 'pc-q35-8.2'],
  ['virtio-gpu', '9.0.0', 'pc-q35-8.2'],
  ['virtio-net', '8.2.0', 'pc-q35-7.2'],
  ['ich9-lpc', '9.0.0', 'pc-q35-8.2'],
  ['qemu-xhci', '9.0.0', 'pc-q35-8.2'],
  ['piix4_pm', '9.0.0', 'pc-i440fx-8.2'],
].filter(([d]) => !values.only || d.includes(values.only));

console.log(`generated states/s · ${SECONDS} s per side per device · node ${process.version}${values.against ? ` · against ${values.against}` : ''}`);
console.log(`${'device'.padEnd(34)} ${sides.map(([n]) => n.padStart(10)).join(' ')}${sides.length > 1 ? '    ratio' : ''}`);
for (const [device, release, machine] of cases) {
  let arbs;
  try {
    arbs = sides.map(([, make]) => make(release, machine, device));
  } catch (e) {
    console.log(`${`${device} ${release} @ ${machine}`.padEnd(34)} skipped: ${e.message.split('\n')[0]}`);
    continue;
  }
  const spent = arbs.map(() => 0);
  const done = arbs.map(() => 0);
  let seed = 1;
  while (spent.reduce((a, b) => a + b, 0) < sides.length * SECONDS * 1000) {
    seed++;
    arbs.forEach((arb, i) => {
      const t0 = performance.now();
      fc.sample(arb, { numRuns: BATCH, seed });
      spent[i] += performance.now() - t0;
      done[i] += BATCH;
    });
  }
  const rates = arbs.map((_, i) => (done[i] / spent[i]) * 1000);
  console.log(
    `${`${device} ${release} @ ${machine}`.padEnd(34)} ${rates.map((r) => r.toFixed(0).padStart(10)).join(' ')}${rates.length > 1 ? `    ×${(rates[1] / rates[0]).toFixed(2)}` : ''}`,
  );
}
