import type { CompatEntry, MachineType } from './types.js';

/**
 * How a release builds its versioned machine types (spec §6.1): machine X's
 * options function calls X+1's first, then appends `hw_compat_X` and the
 * board array (`pc_compat_X`). So a machine carries, after the board's own
 * defaults, every array from the newest older version down to its own; the
 * newest machine type has none. Application order is list order and the
 * last match wins, so the oldest array that mentions a property decides it.
 */
export interface BoardSpec {
  /** Name prefix: `pc-q35`, `pc-i440fx`. */
  family: string;
  /** Board-level default globals, applied before any version array. */
  defaults: CompatEntry[];
  /** Name of the board array family: `pc_compat`. */
  boardArray: string;
  /** Machine versions this release offers for the board, oldest first (`8.2`, `9.0`). */
  versions: string[];
}

export function arrayName(prefix: string, version: string): string {
  return `${prefix}_${version.replace(/\./g, '_')}`;
}

export function buildMachines(boards: BoardSpec[], arrays: Record<string, CompatEntry[]>): MachineType[] {
  const machines: MachineType[] = [];
  for (const board of boards) {
    const newestFirst = [...board.versions].reverse();
    for (let i = 0; i < newestFirst.length; i++) {
      const compat: CompatEntry[] = [...board.defaults];
      // versions newer than or equal to this one, except the newest, newest first
      for (let j = 1; j <= i; j++) {
        const v = newestFirst[j]!;
        compat.push(...(arrays[arrayName('hw_compat', v)] ?? []), ...(arrays[arrayName(board.boardArray, v)] ?? []));
      }
      machines.push({ name: `${board.family}-${newestFirst[i]}`, compat });
    }
  }
  return machines;
}
