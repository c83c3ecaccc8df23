import type { Effect, Finding, Severity, StaticReport } from './types.js';

/** The human report: grouped by device, one line per finding with its severity and reason. */

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

export function formatReport(r: StaticReport, opts: { color?: boolean } = {}): string[] {
  const color = opts.color ?? false;
  const out: string[] = [];
  const many = r.machines.length > 1;
  out.push(
    `vmcompat static — ${r.from.label} → ${r.to.label} · machine type${many ? 's' : ''} ${r.machines.join(', ')} · ${r.summary.devices} device${r.summary.devices === 1 ? '' : 's'} compared`,
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  const width = Math.max(0, ...r.devices.flatMap((d) => d.findings.map((f) => f.severity.length)));
  const unchanged: string[] = [];
  for (const d of r.devices) {
    const name = d.name === d.device ? d.device : `${d.device} (${d.name})`;
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
  const s = r.summary;
  out.push(
    `${s.findings} finding${s.findings === 1 ? '' : 's'} in ${s.changed} of ${s.devices} devices: ${s.breaking} breaking · ${s.compatible} compatible · ${s.info} info — ${s.breaks ? 'BREAKS' : 'nothing breaks'}`,
  );
  return out;
}
