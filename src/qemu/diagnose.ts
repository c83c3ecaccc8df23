import type { ErrorKind } from '../wire/errors.js';

/**
 * What a destination QEMU printed when it rejected a stream, mapped to the harness's
 * error kinds (spec §5). QEMU prints the innermost problem first and
 * `load of migration failed: <strerror>` last; warnings unrelated to the load (a NIC
 * without a peer) are dropped.
 */
export interface QemuDiagnosis {
  /** null when QEMU's words do not say which kind (the caller may ask the decoder). */
  kind: ErrorKind | null;
  /** QEMU's own lines about the failure, without the `qemu-system-x86_64: ` prefix. */
  lines: string[];
  /** The line the kind was read from. */
  line: string | null;
  /** errno of the final line (`Invalid argument` → -22), when QEMU printed one. */
  errno: number | null;
  /** The section idstr QEMU named, if any. */
  section: string | null;
  /** Innermost `Failed to load <vmsd>:<field>`. */
  vmsd: string | null;
  field: string | null;
}

const STRERROR: Record<string, number> = {
  'Operation not permitted': -1,
  'No such file or directory': -2,
  'Input/output error': -5,
  'Invalid argument': -22,
  'Operation not supported': -95,
  'Not supported': -95,
};

/** Lines that name their own kind, in QEMU's words (spec §2.7, §2.8, §3.4, §5; Appendix C). */
const SPECIFIC: [RegExp, ErrorKind][] = [
  [/^Missing section footer for /, 'footer-missing'],
  [/^Mismatched section id in footer for /, 'footer-id-mismatch'],
  [/^check_section_footer: Read section footer failed/, 'footer-read-error'],
  [/^Unknown savevm section or instance '/, 'unknown-section'],
  [/^Unknown savevm section type \d+/, 'unknown-section-type'],
  [/^Unknown savevm section \d+/, 'unknown-section'],
  [/^Machine type received is '/, 'machine-mismatch'],
  [/^Configuration section missing/, 'config-missing'],
  [/^Not a migration stream/, 'bad-magic'],
  [/^SaveVM v2 format is obsolete/, 'obsolete-version'],
  [/^Unsupported migration stream version/, 'bad-stream-version'],
  [/^Received TARGET_PAGE_BITS is /, 'page-bits-mismatch'],
  [/^Received unknown capability /, 'unknown-capability'],
  [/^Capability \S+ is (on|off), but received capability is /, 'capability-mismatch'],
  [/^Unable to read ID string for section /, 'bad-idstr'],
  [/^savevm: unsupported version \d+ for '/, 'section-version-too-new'],
  [/: incoming version_id \d+ is too new for local version_id /, 'version-too-new'],
  [/: incoming version_id \d+ is too old for local minimum version_id /, 'version-too-old'],
  [/^Input validation failed: /, 'validation-failed'],
  [/get_nullptr expected VMS_NULLPTR_MARKER/, 'nullptr-marker'],
  [/^Invalid value -?\d+ expecting positive value <= /, 'int32-le-range'],
  [/^[0-9a-f]+ != [0-9a-f]+$/, 'equal-mismatch'],
  // A COMMAND record the destination does not know (10.0's switchover-start read by 7.2):
  // like an unknown record type, the destination cannot go on.
  [/^MIG_CMD 0x[0-9a-f]+ unknown/, 'unknown-section-type'],
];

/** Drops the `<program>: ` prefix QEMU's error_report puts on every line. */
export function qemuLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^[^\s:]*qemu[^\s:]*: /, '').trim())
    .filter((l) => l && !l.startsWith('warning: '));
}

export function diagnose(stderr: string): QemuDiagnosis {
  const lines = qemuLines(stderr);
  const d: QemuDiagnosis = { kind: null, lines, line: null, errno: null, section: null, vmsd: null, field: null };
  const last = lines.at(-1) ?? '';
  const fin = /^load of migration failed: (.+)$/.exec(last);
  if (fin) d.errno = STRERROR[fin[1]!] ?? null;
  for (const l of lines) {
    const m = /^error while loading state for instance 0x[0-9a-f]+ of device '(.+)'$/.exec(l) ?? /^error while loading state section id \d+\((.+)\)$/.exec(l);
    if (m && d.section === null) d.section = m[1]!;
    const f = /^Failed to load (.+):([^:]+)$/.exec(l);
    if (f && d.vmsd === null) [d.vmsd, d.field] = [f[1]!, f[2]!];
    const s = /^(?:Missing section footer for |Mismatched section id in footer for )(\S+)/.exec(l) ?? /^Unknown savevm section or instance '([^']+)'/.exec(l);
    if (s && d.section === null) d.section = s[1]!;
  }
  for (const l of lines) {
    const hit = SPECIFIC.find(([re]) => re.test(l));
    if (hit) {
      d.kind = hit[1];
      d.line = l;
      return d;
    }
  }
  const chain = lines.find((l) => l.startsWith('Failed to load ') || l.startsWith('error while loading state'));
  if (d.errno === -5) {
    // EOF and I/O errors are one sticky error in QEMU: inside a record it is a short
    // read; with no record named, the stream ended where a record type was expected.
    d.kind = chain ? 'short-read' : lines.length === 1 ? 'truncated' : null;
    d.line = chain ?? last;
    return d;
  }
  if (d.errno === -2 && chain) {
    // The subsection loop's -ENOENT has no text of its own (spec §4).
    d.kind = 'unknown-subsection';
    d.line = chain;
    return d;
  }
  if (d.section === 'ram') {
    // RAM has no vmsd: 7.2 reads the zeros past the end as `Unknown combination of
    // migration flags: 0x0` (EINVAL). Which kind that is only the bytes can tell.
    d.line = lines[0] ?? null;
    return d;
  }
  if (chain && (d.errno === -22 || d.errno === -1)) {
    // A device's post_load said no (with or without a message of its own).
    d.kind = 'post-load-failed';
    d.line = lines.find((l) => !l.startsWith('Failed to load ') && !l.startsWith('error while loading') && l !== last) ?? chain;
    return d;
  }
  return d;
}
