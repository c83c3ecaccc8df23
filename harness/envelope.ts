/**
 * The `--json` envelope, on its own so that the commands that print one
 * (decode, static, dump, ...) load nothing of the report formatting.
 */

/** Version of the `--json` envelope below (not of the report inside it). */
export const ENVELOPE_VERSION = 1;

/**
 * Every `--json` prints one document of one shape: what wrote it, which
 * command, and the command's own result (for `check`, the report that
 * report.json holds). BigInts become decimal strings.
 */
export function jsonEnvelope(command: string, result: unknown, version: string): string {
  const doc = { schemaVersion: ENVELOPE_VERSION, tool: { name: 'vmcompat', version }, command, result };
  try {
    // without a replacer JSON.stringify keeps its fast path; a BigInt anywhere makes it throw
    return JSON.stringify(doc, null, 2);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    return JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  }
}
