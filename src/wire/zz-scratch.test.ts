import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { walkStream } from './walk.js';
test('exp', () => {
  for (const n of ['72', '10']) {
    const w = walkStream(new Uint8Array(readFileSync(`/tmp/exp/s${n}.bin`)));
    console.log(n, w.machine, w.configuration, w.ramBlocks);
    for (const r of w.records) console.log(r.type, r.offset, r.sectionId, r.idstr ?? '', r.instanceId ?? '', r.versionId ?? '', r.payloadLength, r.footerOffset, r.command ?? '', r.ram ? JSON.stringify({z:r.ram.zeroPages,p:r.ram.pages,f:r.ram.multifdFlushes,t:r.ram.totalSize?.toString(16)}) : '');
  }
});
