/**
 * Compat entries that apply to nothing. QEMU refuses to start with a global
 * naming a property its type (or an ancestor) does not declare, so a release
 * model whose compat array holds one is wrong; and an entry placed in the
 * hw_compat_X_Y array of a release older than the one that introduced the
 * property reaches machine types whose own release never had it. Pure:
 * release models in, findings out.
 */
import { VmError } from '../wire/errors.js';
import type { CompatEntry, DeviceClass, Release } from './types.js';
import { globalTargets, owns } from './props.js';

/** The QOM types a global for `driver` names and their ancestors, as the modelled classes spell the chain. */
function typeChain(classes: readonly DeviceClass[], driver: string): Set<string> {
  const out = new Set([driver]);
  for (const c of classes) {
    for (const [type, parents] of [[c.type, c.parents], ...(c.proxy ? [[c.proxy.type, c.proxy.parents] as const] : [])] as const) {
      const chain = [type, ...parents];
      const at = chain.indexOf(driver);
      if (at >= 0) for (const t of chain.slice(at)) out.add(t);
    }
  }
  return out;
}

/** Whether the release knows a property for the entry's driver: a reached model declares it, or its type (or an ancestor) lists it. Null when no model is reached (nothing can be said). */
export function declares(release: Release, e: Pick<CompatEntry, 'driver' | 'property'>): boolean | null {
  const reached = release.devices.filter((c) => globalTargets(c, e.driver).length > 0);
  if (reached.length === 0) return null;
  if (reached.some((c) => globalTargets(c, e.driver).some((t) => owns(c, t, e.property)))) return true;
  const types = typeChain(reached, e.driver);
  return Object.entries(release.typeProps ?? {}).some(([type, props]) => types.has(type) && props.includes(e.property));
}

/** Every compat entry of the release that names a property nothing it reaches declares. */
export function undeclaredCompatEntries(release: Release): VmError[] {
  const out: VmError[] = [];
  for (const [array, entries] of Object.entries(release.compatArrays)) {
    entries.forEach((e, i) => {
      if (e.optional || declares(release, e) !== false) return;
      const reached = release.devices.filter((c) => globalTargets(c, e.driver).length > 0).map((c) => c.name);
      out.push(
        new VmError({
          kind: 'bad-input',
          message:
            `release ${release.name}: ${array}[${i}] ${e.driver}.${e.property}=${e.value}: no model ${e.driver} reaches (${reached.slice(0, 4).join(', ')}${reached.length > 4 ? ', …' : ''}) ` +
            `declares '${e.property}', nor does its type or an ancestor (Release.typeProps); QEMU refuses to start with such a global`,
        }),
      );
    });
  }
  return out;
}

const arrayVersion = (name: string): number | null => {
  const m = /^(?:hw|pc)_compat_(\d+)_(\d+)$/.exec(name);
  return m ? Number(m[1]) * 100 + Number(m[2]) : null;
};
const releaseVersion = (r: Release): number | null => {
  const m = /^(\d+)\.(\d+)/.exec(r.name);
  return m ? Number(m[1]) * 100 + Number(m[2]) : null;
};
const dotted = (v: number) => `${Math.floor(v / 100)}.${v % 100}`;

export interface CompatLint {
  release: string;
  array: string;
  entry: CompatEntry;
  /** The oldest release of the list that has the property. */
  introducedIn: string;
  /** Releases between the array's version and the introduction: their machine types get the entry, though those releases never had the property. */
  between: string[];
  message: string;
}

/**
 * Entries placed in an array older than the property: an entry for a property
 * 9.1 introduced belongs in hw_compat_9_0; in hw_compat_8_2 it would also
 * reach pc-*-9.0, whose release has no such property to restore.
 */
export function lintCompatPlacement(releases: readonly Release[]): CompatLint[] {
  const ordered = releases.filter((r) => releaseVersion(r) !== null).sort((a, b) => releaseVersion(a)! - releaseVersion(b)!);
  const out: CompatLint[] = [];
  const seen = new Set<string>();
  for (const r of ordered) {
    for (const [array, entries] of Object.entries(r.compatArrays)) {
      const v = arrayVersion(array);
      if (v === null) continue;
      for (const e of entries) {
        const key = `${array}\0${e.driver}\0${e.property}`;
        if (seen.has(key)) continue;
        const intro = ordered.find((x) => declares(x, e) === true);
        if (!intro) continue;
        const iv = releaseVersion(intro)!;
        const between = ordered.filter((x) => releaseVersion(x)! > v && releaseVersion(x)! < iv).map((x) => x.name);
        if (between.length === 0) continue;
        seen.add(key);
        const home = [...ordered].reverse().find((x) => releaseVersion(x)! < iv)!;
        out.push({
          release: r.name,
          array,
          entry: e,
          introducedIn: intro.name,
          between,
          message:
            `${array} (release ${r.name}) sets ${e.driver}.${e.property}=${e.value}, a property ${intro.name} introduced: the entry belongs in hw_compat_${dotted(releaseVersion(home)!).replace('.', '_')} (the release before it) or a newer array; ` +
            `here it also reaches the machine types of ${between.join(', ')}, which never had it`,
        });
      }
    }
  }
  return out;
}
