import type { RegisterGuard } from '../model.js';

/**
 * What a condition a registration sits under is in the cases' configuration
 * (the default command line, a pc or q35 board, TCG): hand-written, keyed by
 * the C function the condition is in and its text as the extractor spells it
 * (scenarios/common/registration.ts).
 */
export interface RegistrationFact {
  fn: string;
  cond: string;
  holds: boolean;
  why: string;
}

/** Whether a registration site is reached in the cases' configuration, and what to say either way. */
export type RegistrationReach = { reached: true; note: string | null } | { reached: false; why: string };

const where = (g: RegisterGuard) => `${g.fn}, ${g.at.file}:${g.at.line}`;

/**
 * A site's paths (ExtractedRegister.onlyWhen) against the facts: reached
 * when one path's conditions all hold; not reached when every path has a
 * condition that is false or that no fact answers (then the section is only
 * in a VM configured so, which the cases are not: they cannot apply).
 */
export function registrationReach(paths: readonly (readonly RegisterGuard[])[] | undefined, facts: readonly RegistrationFact[]): RegistrationReach {
  if (!paths || paths.length === 0 || paths.some((p) => p.length === 0)) return { reached: true, note: null };
  const answer = (g: RegisterGuard) => facts.find((f) => f.fn === g.fn && f.cond === g.cond);
  const notes: string[] = [];
  for (const p of paths) {
    const answers = p.map((g) => ({ g, f: answer(g) }));
    if (answers.every((a) => a.f?.holds === true)) {
      return { reached: true, note: `registered when ${answers.map((a) => `${a.g.cond} (${where(a.g)}), which holds: ${a.f!.why}`).join('; ')}` };
    }
    const no = answers.find((a) => a.f?.holds === false);
    notes.push(no ? `${no.g.cond} is false: ${no.f!.why}` : `nothing says ${answers.filter((a) => !a.f).map((a) => a.g.cond).join(' and ')} holds in the cases' configuration`);
  }
  const conds = paths.map((p) => p.map((g) => `${g.cond} (${where(g)})`).join(' and ')).join(', or when ');
  return { reached: false, why: `registered only when ${conds}; ${notes.join('; ')}` };
}
