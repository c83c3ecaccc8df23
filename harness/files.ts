/**
 * File and folder arguments, checked before any work starts: a run never
 * finds out at its end that it cannot write its reports. Each check throws
 * a usage error naming the option and the path.
 */
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { usageError } from './args.js';

function stat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

const writable = (dir: string) => {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The whole file, read once, as a plain Uint8Array over Node's buffer (no copy). */
export function readInput(path: string, what: string): Uint8Array {
  readableFile(path, what);
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw usageError(`${what} ${path}: cannot be read: ${(e as Error).message}`);
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function readableFile(path: string, what: string): void {
  const s = stat(path);
  if (!s) throw usageError(`${what} ${path}: does not exist`);
  if (s.isDirectory()) throw usageError(`${what} ${path}: is a folder, not a file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw usageError(`${what} ${path}: cannot be read (permission denied)`);
  }
}

/** A --releases argument: a module file, or a folder that is a QEMU source tree (VERSION, include/migration/vmstate.h). */
export function releaseSource(path: string, what: string): void {
  const s = stat(path);
  if (s?.isDirectory()) {
    if (!stat(`${path}/VERSION`) || !stat(`${path}/include/migration/vmstate.h`)) {
      throw usageError(`${what} ${path}: is a folder but not a QEMU source tree (no VERSION or include/migration/vmstate.h)`);
    }
    return;
  }
  readableFile(path, what);
}

/** A file that will be written: its folder exists and is writable, and it is not itself a folder. */
export function writableFile(path: string, what: string): void {
  const s = stat(path);
  if (s?.isDirectory()) throw usageError(`${what} ${path}: is a folder, not a file`);
  const dir = dirname(resolve(path));
  const d = stat(dir);
  if (!d) throw usageError(`${what} ${path}: the folder ${dirname(path)} does not exist`);
  if (!d.isDirectory()) throw usageError(`${what} ${path}: ${dirname(path)} is not a folder`);
  if (!writable(dir) || (s && !isWritableFile(path))) throw usageError(`${what} ${path}: cannot be written (permission denied)`);
}

const isWritableFile = (path: string) => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * A folder that will be created if need be and written into: it is a
 * writable folder, or the nearest thing above it that exists is one.
 */
export function writableDir(path: string, what: string): void {
  let p = resolve(path);
  for (;;) {
    const s = stat(p);
    if (s) {
      if (!s.isDirectory()) throw usageError(`${what} ${path}: ${p === resolve(path) ? 'is a file, not a folder' : `${p} is a file, not a folder`}`);
      if (!writable(p)) throw usageError(`${what} ${path}: ${p === resolve(path) ? 'cannot be written' : `cannot be created in ${p}`} (permission denied)`);
      return;
    }
    const up = dirname(p);
    if (up === p) return;
    p = up;
  }
}

/** A folder that must exist and be readable (a report folder to merge, a scenario folder). */
export function existingPath(path: string, what: string): Stats {
  const s = stat(path);
  if (!s) throw usageError(`${what} ${path}: does not exist`);
  return s;
}
