import { VmError } from '../src/wire/errors.js';

export function positiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new VmError({ kind: 'bad-input', message: `${flag} expects a positive integer, got '${v}'` });
  return Number(v);
}

export function int32(v: string, flag: string): number {
  if (!/^-?\d+$/.test(v) || Number(v) < -0x80000000 || Number(v) > 0x7fffffff) {
    throw new VmError({ kind: 'bad-input', message: `${flag} expects a 32-bit integer, got '${v}'` });
  }
  return Number(v);
}
