// A patch as a release model: 9.0.0 with 9.0.1's virtio-gpu fix, which is two things: the device's
// x-scanout-vmstate-version property and the hw_compat_8_2 entry that sets it back to 1 for old
// machine types (so the machine types, which carry the compat arrays, come from 9.0.1 too).
// `--releases examples/patched-gpu.mjs` adds it to check, prove and repro as release 9.0.0-patched.
import { releases as builtin } from 'vmcompat/releases';

const r901 = builtin.find((r) => r.name === '9.0.1');
const gpu = r901.devices.find((d) => d.name === 'virtio-gpu');
export const releases = [{ extends: '9.0.0', name: '9.0.0-patched', devices: [gpu], compatArrays: r901.compatArrays, machines: r901.machines }];
