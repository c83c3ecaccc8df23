/** Where a command writes; tests pass a collecting Io, the CLI passes the process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  color: boolean;
  /**
   * A terminal's redrawn status line (a progress bar), kept below the lines
   * written with out(); null clears it. Absent when stdout is not a terminal:
   * CI logs get plain lines only.
   */
  status?: (line: string | null) => void;
}

export function processIo(): Io {
  // a reader that goes away (`| head`) is not an error of ours
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const tty = Boolean(process.stdout.isTTY);
  const color = tty && !process.env.NO_COLOR;
  let bar: string | null = null;
  const clear = () => bar !== null && process.stdout.write('\r\x1b[2K');
  const draw = () => bar !== null && process.stdout.write(bar.slice(0, Math.max(10, (process.stdout.columns || 80) - 1)));
  return {
    out: (l) => {
      clear();
      process.stdout.write(l + '\n');
      draw();
    },
    err: (l) => {
      clear();
      process.stderr.write(l + '\n');
      draw();
    },
    color,
    status: tty
      ? (l) => {
          clear();
          bar = l;
          draw();
        }
      : undefined,
  };
}

export function collectIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), color: false };
}
