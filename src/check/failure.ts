import type { TraceEntry } from '../vmstate/types.js';
import type { ErrorKind } from '../wire/errors.js';

/** Which step of a case went wrong. */
export type Stage =
  /** A's own save/load round trip (the state or the model is broken, not the migration). */
  | 'baseline'
  /** B loading A's stream. */
  | 'forward'
  /** A loading B's re-save of what it received. */
  | 'return'
  /** A value that did not survive A→B or A→B→A. */
  | 'compare';

/** Where two byte layouts first part ways. */
export interface DesyncOrigin {
  /** What the sender wrote at that offset (null: nothing — the section had ended). */
  sent: { path: string; vmsd: string; offset: number; size: number } | null;
  /** What the receiver read there (null: nothing — it had stopped). */
  read: { path: string; vmsd: string; offset: number; size: number } | null;
}

/** A failure a maintainer can act on: what broke, where in the bytes, and how QEMU would say it. */
export interface Failure {
  kind: ErrorKind;
  stage: Stage;
  /** Releases doing the saving and the loading at this stage. */
  saver: string;
  loader: string;
  /** Field path (`parent_obj.scanout[0].fb.format`) and the VMSD that owns it. */
  path: string | null;
  vmsd: string | null;
  /** Absolute byte offset in the stream (`bytes`) where it went wrong. */
  offset: number | null;
  message: string;
  /** QEMU's own error lines, innermost first, ending with the final load message. */
  qemu: string[];
  /** The kind QEMU's own first check reports (e.g. footer-missing for a harness short-read). */
  qemuKind: ErrorKind | null;
  origin?: DesyncOrigin;
  /** For value changes: the value sent and the value that came back. */
  sent?: unknown;
  received?: unknown;
  /** The stream at this stage, for hex dumps, and where each side put and found each leaf. */
  bytes?: Uint8Array;
  sentTrace?: TraceEntry[];
  readTrace?: TraceEntry[];
  /**
   * Real runs only: the step of the QEMU process that failed (start, save, load,
   * re-save) when the kind is a process fault (qemu-crashed, timeout,
   * start-failed, qmp-protocol), as src/qemu/errors.ts's QemuStage.
   */
  qemuStage?: 'start' | 'save' | 'load' | 're-save';
}
