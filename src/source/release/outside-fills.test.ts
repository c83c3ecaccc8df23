import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ExtractedModel } from '../model.js';
import { extractOutsideFills, writtenMembers } from './outside-fills.js';

/** C written for the test (no QEMU text). */
const DEV = `
static void kvm_toy_get(ToyState *t)
{
    struct kvm_toy k;
    kvm_vm_ioctl(kvm_state, KVM_GET_TOY, &k);
    t->a = k.a;
    t->regs[2] = k.r;
    t->flags |= 1;
    kvm_read_extra(&t->extra);
    if (t->mode == 3) {
        return;
    }
}

static void toy_get_plain(ToyState *t)
{
    t->a = 1;
}

static void kvm_toy_class_init(ObjectClass *oc, void *data)
{
    ToyClass *k = TOY_CLASS(oc);
    k->pre_save = kvm_toy_get;
}

static void plain_toy_class_init(ObjectClass *oc, void *data)
{
    ToyClass *k = TOY_CLASS(oc);
    k->pre_save = toy_get_plain;
}
`;

describe('outside fills', () => {
  test('the members a hook writes: assignments (indexed, compound) and &member handed to a call; comparisons are reads', () => {
    expect(writtenMembers(DEV.slice(0, DEV.indexOf('static void toy_get_plain')), 't').sort()).toEqual(['a', 'extra', 'flags', 'regs']);
  });

  test('a class_init whose pre_save hook reads KVM names it with what it writes; a hook that does not read KVM is not one', () => {
    const root = mkdtempSync(join(tmpdir(), 'vmcompat-fills-'));
    mkdirSync(join(root, 'hw/misc'), { recursive: true });
    writeFileSync(join(root, 'hw/misc/toy.c'), DEV);
    const at = { file: 'hw/misc/toy.c', line: 1 };
    const cls = (name: string, class_init: string) => ({ name, parent: 'toy', abstract: false, class_init, instance: null, vmsd: null, vmsdAt: null, props: null, at });
    const model = { classes: [cls('kvm-toy', 'kvm_toy_class_init'), cls('plain-toy', 'plain_toy_class_init')] } as unknown as ExtractedModel;
    const fills = extractOutsideFills(root, model);
    expect(Object.keys(fills)).toEqual(['kvm-toy']);
    expect(fills['kvm-toy']).toEqual({ fn: 'kvm_toy_get', file: 'hw/misc/toy.c', line: 2, members: ['a', 'regs', 'flags', 'extra'] });
  });
});
