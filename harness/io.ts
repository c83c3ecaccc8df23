/** Where a command writes; tests pass a collecting Io, the CLI passes the process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  color: boolean;
}

export function processIo(): Io {
  // a reader that goes away (`| head`) is not an error of ours
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    color,
  };
}

export function collectIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), color: false };
}
