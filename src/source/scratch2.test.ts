import { test } from 'vitest';
import { extractTree } from './extract.js';
test('y', async () => {
  const m = await extractTree('.cache/src/qemu-10.0.2', { only: ['hw/tpm/tpm_crb.c', 'hw/display/ramfb.c'] });
  console.log(JSON.stringify(m.unresolved), JSON.stringify(m.vmsds.find(v => v.cname === 'vmstate_tpm_crb')?.fields?.[0]?.num), JSON.stringify(m.vmsds.find(v => v.cname === 'ramfb_vmstate')?.fields?.[0]?.size));
});
