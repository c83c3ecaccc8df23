import type { ChangeKind, Effect, Finding, Severity, StaticReport } from './types.js';

/** The human report: by default one line per device naming its breaks; with `verbose`, every finding with its severity and reason. */

const MARK: Record<Severity, string> = {
  'breaking-both': '✗',
  'breaking-forward': '✗',
  'breaking-backward': '✗',
  compatible: '✓',
  info: 'i',
};

const COLOR: Record<Severity, number> = {
  'breaking-both': 31,
  'breaking-forward': 31,
  'breaking-backward': 31,
  compatible: 32,
  info: 36,
};

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** The last hop of a finding's path: `virtio-gpu-one-scanout:fb.format…`. */
export function shortPlace(f: Finding): string {
  return f.path.split(' › ').at(-1)!;
}

function verdict(r: StaticReport, fwd: Effect, bwd: Effect): string {
  const a = r.from.label;
  const b = r.to.label;
  const word = (e: Effect) => (e === 'breaks' ? 'breaks' : 'may break');
  if (fwd !== 'ok' && bwd !== 'ok') return fwd === bwd ? `${word(fwd)} ${a}→${b} and ${b}→${a}` : `${word(fwd)} ${a}→${b}, ${word(bwd)} ${b}→${a}`;
  if (fwd !== 'ok') return `${word(fwd)} ${a}→${b}`;
  if (bwd !== 'ok') return `${word(bwd)} ${b}→${a}`;
  return 'compatible';
}

export interface FormatOptions {
  color?: boolean;
  /** Every finding with its reason, device by device (the default is one line per device or group of devices). */
  verbose?: boolean;
}

/** The default report: one line per device (devices that break alike share it) naming every break, the rest counted. */
export function formatReport(r: StaticReport, opts: FormatOptions = {}): string[] {
  return opts.verbose ? formatDetails(r, opts) : formatSummary(r, opts);
}

const CHANGE_WORD: Partial<Record<ChangeKind, string>> = {
  'section-name': 'section renamed',
  'section-version': 'section version',
  'vmsd-version': 'nested version',
  'vmsd-name': 'nested VMSD renamed',
  'field-renamed': 'renamed',
  'field-resized': 'width changed',
  'field-count': 'count changed',
  'field-type': 'type changed',
  'field-gate': 'gate changed',
  'field-layout': 'layout changed',
  'field-resplit': 're-split',
  'unused-size': 'placeholder resized',
  'unused-placeholder': 'became a placeholder',
  'description-missing': 'description missing',
  'subsection-version': 'subsection version',
  'subsection-gate': 'needed() changed',
  'custom-codec': 'custom codec changed',
  'machine-name': 'machine type renamed',
};

/** `drq_state added →`: the place, what changed, and which way it breaks (→ A→B, ← B→A, ↔ both; ? only may break). */
function item(f: Finding, subsection: boolean): string {
  let word = CHANGE_WORD[f.change];
  if (f.change === 'field-added' || f.change === 'field-removed' || f.change === 'subsection-missing') {
    const added = f.reason.includes(' added in ');
    word = `${subsection ? 'subsection ' : ''}${added ? 'added' : 'removed'}`;
  }
  const way = f.forward !== 'ok' && f.backward !== 'ok' ? '↔' : f.forward !== 'ok' ? '→' : '←';
  const maybe = f.forward !== 'breaks' && f.backward !== 'breaks' ? '?' : '';
  return `${shortPlace(f)} ${word ?? f.change} ${way}${maybe}${f.checkerMisses ? '†' : ''}`;
}

const breaking = (f: Finding) => f.severity.startsWith('breaking');

/** The QOM type (and the model's name); with its section when another device of the report has the same type. */
function deviceName(d: StaticReport['devices'][number], r: StaticReport): string {
  const base = d.name === d.device ? d.device : `${d.device} (${d.name})`;
  return r.devices.some((x) => x !== d && x.device === d.device) ? `${base} @ ${d.section}` : base;
}

function formatSummary(r: StaticReport, opts: FormatOptions): string[] {
  const color = opts.color ?? false;
  const out: string[] = [header(r)];
  for (const n of r.notes) out.push(`note: ${n}`);
  const all = r.machines.length;
  const at = (f: Finding) => (all > 1 && f.machines.length < all ? ` [${f.machines.length <= 2 ? f.machines.join(', ') : `${f.machines.length} of ${all} machine types`}]` : '');
  // devices that break alike (the same VMSD under several QOM types) share one line
  const groups = new Map<string, { names: string[]; d: StaticReport['devices'][number]; items: string[] }>();
  const onlyIn: Record<'from' | 'to', string[]> = { from: [], to: [] };
  const quiet: string[] = [];
  let misses = false;
  for (const d of r.devices) {
    if (d.findings.length === 0) continue;
    const breaks = d.findings.filter(breaking);
    if (breaks.length === 0) {
      quiet.push(deviceName(d, r));
      continue;
    }
    if (breaks.length === 1 && breaks[0]!.change === 'section-missing') {
      onlyIn[breaks[0]!.forward !== 'ok' ? 'from' : 'to'].push(`${deviceName(d, r)}${at(breaks[0]!)}`);
      continue;
    }
    const items = breaks.map((f) => `${item(f, f.change === 'subsection-missing' || f.change.startsWith('subsection'))}${at(f)}`);
    misses ||= breaks.some((f) => f.checkerMisses);
    const key = JSON.stringify([d.forward, d.backward, items]);
    const g = groups.get(key);
    if (g) g.names.push(deviceName(d, r));
    else groups.set(key, { names: [deviceName(d, r)], d, items });
  }
  const bad = (s: string) => paint(color, 31, s);
  for (const g of groups.values()) out.push(`${bad('✗')} ${g.names.join(', ')}: ${verdict(r, g.d.forward, g.d.backward)} — ${g.items.join('; ')}`);
  const a = r.from.label;
  const b = r.to.label;
  if (onlyIn.from.length) out.push(`${bad('✗')} only in ${a}, so a VM with them cannot migrate to ${b}: ${onlyIn.from.join(', ')}`);
  if (onlyIn.to.length) out.push(`${bad('✗')} only in ${b}, so a VM with them cannot migrate to ${a}: ${onlyIn.to.join(', ')}`);
  if (quiet.length) out.push(`${paint(color, 32, '✓')} compatible changes only: ${quiet.join(', ')}`);
  const unchanged = r.devices.filter((d) => d.findings.length === 0).map((d) => deviceName(d, r));
  if (unchanged.length) out.push(unchanged.length <= 10 ? `unchanged: ${unchanged.join(', ')}` : `${unchanged.length} devices unchanged`);
  if (groups.size) {
    const used = [...groups.values()].flatMap((g) => g.items).join(' ');
    const legend = [
      [used.includes('→'), `→ breaks ${a}→${b}`],
      [used.includes('←'), `← breaks ${b}→${a}`],
      [used.includes('↔'), '↔ both ways'],
      [used.includes('?'), '? only may break (it depends on device state, or on a test the dump does not describe)'],
      [misses, "† QEMU's checker misses it"],
    ] as const;
    out.push(`(${legend.filter(([on]) => on).map(([, t]) => t).join(', ')}; every reason: --verbose)`);
  }
  out.push(footer(r));
  return out;
}

function header(r: StaticReport): string {
  const many = r.machines.length > 1;
  return `vmcompat static — ${r.from.label} → ${r.to.label} · machine type${many ? 's' : ''} ${r.machines.join(', ')} · ${r.summary.devices} device${r.summary.devices === 1 ? '' : 's'} compared`;
}

function footer(r: StaticReport): string {
  const s = r.summary;
  return `${s.findings} finding${s.findings === 1 ? '' : 's'} in ${s.changed} of ${s.devices} devices: ${s.breaking} breaking · ${s.compatible} compatible · ${s.info} info — ${s.breaks ? 'BREAKS' : 'nothing breaks'}`;
}

function formatDetails(r: StaticReport, opts: FormatOptions): string[] {
  const color = opts.color ?? false;
  const out: string[] = [header(r)];
  const many = r.machines.length > 1;
  for (const n of r.notes) out.push(`note: ${n}`);
  const width = Math.max(0, ...r.devices.flatMap((d) => d.findings.map((f) => f.severity.length)));
  const unchanged: string[] = [];
  for (const d of r.devices) {
    const name = deviceName(d, r);
    if (d.findings.length === 0) {
      unchanged.push(name);
      continue;
    }
    out.push(`${name}: ${verdict(r, d.forward, d.backward)}`);
    for (const f of d.findings) {
      const at = many && f.machines.length < d.machines.length ? `  [${f.machines.join(', ')}]` : '';
      const misses = f.checkerMisses ? "  (QEMU's checker misses this)" : '';
      out.push(`  ${paint(color, COLOR[f.severity], `${MARK[f.severity]} ${f.severity.padEnd(width)}`)}  ${shortPlace(f)}: ${f.reason}${misses}${at}`);
    }
  }
  if (unchanged.length > 0) {
    out.push(unchanged.length <= 10 ? `unchanged: ${unchanged.join(', ')}` : `${unchanged.length} devices unchanged`);
  }
  if (r.guesses.length > 0) {
    out.push(`element counts guessed (${r.guesses.length}; not in ${[...new Set(r.guesses.map((g) => g.in))].join(', ')}):`);
    for (const g of r.guesses) out.push(`  ${g.path}[${g.count}] ${g.how === 'same-field' ? 'as the other side has it' : 'filling the other side\'s VMSTATE_UNUSED bytes'}`);
  }
  out.push(footer(r));
  return out;
}
