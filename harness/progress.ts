/**
 * What a running check shows: each case's line in plan order as soon as it
 * and every case before it are done (so that a log reads the same whatever
 * the worker count), the explanation under each unexpected result, and on a
 * terminal a progress bar with cases done/total and unexpected so far.
 */
import type { ReportCase } from '../src/check/report-schema.js';
import type { PlannedCase } from '../src/check/matrix.js';
import { caseLine, columnWidths, explain, progressBar } from './format.js';
import type { Io } from './io.js';

/**
 * Which case lines are printed: `all` (a terminal, or --verbose), or
 * `unexpected` (--quiet, and off a terminal: expected failures appear only
 * in their group at the end, passes and inapplicable cases only as counts).
 */
export type CaseShown = 'all' | 'unexpected';

export const shown = (c: ReportCase, show: CaseShown): boolean => show === 'all' || c.unexpected;

export class CaseFeed {
  private readonly pos = new Map<number, number>();
  private readonly ready: (ReportCase | undefined)[];
  private printed = 0;
  /** Case lines left out by `show`. */
  hidden = 0;
  private done = 0;
  private unexpected = 0;
  private readonly t0 = performance.now();
  private readonly widths;

  constructor(
    private readonly io: Io,
    cases: readonly PlannedCase[],
    private readonly opts: { lines: boolean; show?: CaseShown } = { lines: true },
  ) {
    cases.forEach((c, i) => this.pos.set(c.index, i));
    this.ready = new Array(cases.length);
    this.widths = columnWidths(cases);
    this.bar();
  }

  add(r: ReportCase): void {
    this.ready[this.pos.get(r.index)!] = r;
    this.done++;
    if (r.unexpected) this.unexpected++;
    if (this.opts.lines) {
      while (this.printed < this.ready.length && this.ready[this.printed]) {
        const c = this.ready[this.printed++]!;
        if (!shown(c, this.opts.show ?? 'all')) {
          this.hidden++;
          continue;
        }
        this.io.out(caseLine(c, this.widths, { color: this.io.color }));
        if (c.unexpected) for (const l of explain(c)) this.io.out(l);
      }
    }
    this.bar();
  }

  finish(): void {
    this.io.status?.(null);
  }

  private bar(): void {
    this.io.status?.(progressBar(this.done, this.ready.length, this.unexpected, (performance.now() - this.t0) / 1000));
  }
}
