import type { Props } from '../vmstate/types.js';
import { align, chunks } from './align.js';
import { gateText, presence, testText } from './exists.js';
import { evaluate, samePredicate } from './probe.js';
import { bytesText, consequence, namesText, nestedNote, plural, shapeText } from './prose.js';
import { resplitAt, resplitFinding } from './resplit.js';
import { checkerSeesPair, fieldBytes, shapeDiffs, shapeKey } from './shape.js';
import type { ChangeKind, DeviceSchema, Effect, FieldNode, Finding, SubsectionNode, VmsdNode } from './types.js';
import { breaks, dirLabel, flow, flowEffect, leg, processing, roles, severityOf, versionOf, worst, type Dir, type Flow, type Leg, type Side, type Walk } from './walk.js';

/**
 * The static diff of one device between two schemas at one machine type.
 *
 * For each direction (forward: A saves, B loads; backward: B saves, A
 * loads) it follows QEMU's rules for which version each VMSD is processed
 * at (spec §3.8): a section or subsection at the version its header carries,
 * a VMS_STRUCT or a custom codec's inline VMSD at each side's *own* version,
 * a VMS_VSTRUCT at each field's struct_version_id. Each field is then on the
 * wire for the saver, and expected by the loader, by the existence rule
 * (a test if any, else the field version) evaluated with that side's
 * resolved properties. A change breaks a direction when the saver writes
 * bytes the loader does not read at that place, or the reverse, or when the
 * loader rejects a version or a subsection.
 */

/** A field finding waiting to be merged with identical neighbours (six `fb.*` fields make one line). */
interface Pending {
  key: string;
  names: string[];
  bytes: number | null;
  build: (names: string[], bytes: number | null) => Omit<Finding, 'machines' | 'section'>;
}

function push(w: Walk, f: Omit<Finding, 'machines' | 'device' | 'section'>): void {
  w.out.push({ device: w.device, ...f });
}

function flush(w: Walk, pend: Pending[]): void {
  const merged: Pending[] = [];
  for (const p of pend) {
    const last = merged.at(-1);
    if (last && last.key === p.key) {
      last.names.push(...p.names);
      last.bytes = last.bytes === null || p.bytes === null ? null : last.bytes + p.bytes;
    } else merged.push({ ...p, names: [...p.names] });
  }
  for (const p of merged) w.out.push(p.build(p.names, p.bytes));
  pend.length = 0;
}

/** Fields present on one side only (added in B, or removed in B). */
function oneSided(w: Walk, f: FieldNode, side: 'a' | 'b', trailing: boolean, pend: Pending[]): void {
  const flows = (['fwd', 'bwd'] as Dir[]).map((d) => (side === 'a' ? flow(w, d, f, null) : flow(w, d, null, f)));
  const [ef, eb] = flows.map(flowEffect) as [Effect, Effect];
  for (const fl of flows) {
    if (fl && (fl.status === 'unread' || fl.status === 'unwritten') && (fl.writes.byVersion || fl.reads.byVersion)) w.versionCaused[fl.dir].push(f.label);
  }
  const owner = side === 'a' ? w.a : w.b;
  const gate = gateText(f, versionOf(w, side), owner.props);
  const note = flows.some((fl) => fl && (fl.status === 'unread' || fl.status === 'unwritten') && (fl.writes.byVersion || fl.reads.byVersion)) ? nestedNote(w) : '';
  // QEMU's checker walks the saver's fields: a field only the loader has is missed when nothing follows it
  const loaderOnlyDir: Dir = side === 'b' ? 'fwd' : 'bwd';
  const missed = w.custom !== null || (trailing && (loaderOnlyDir === 'fwd' ? ef : eb) !== 'ok');
  const change: ChangeKind = side === 'b' ? 'field-added' : 'field-removed';
  const build = (names: string[], bytes: number | null): Omit<Finding, 'machines' | 'section'> => {
    const them = names.length === 1 ? 'it' : 'them';
    const dirs: Dir[] = ['fwd', 'bwd'];
    // the side that has the field is the saver in one direction and the loader in the other
    const parts = dirs.map((d, i) => consequence(w, d, flows[i]!, them, (side === 'a') === (d === 'bwd'), (side === 'a') === (d === 'fwd')));
    const summary = flows.every((x) => x !== null && x.status === 'silent')
      ? `${owner.label} neither sends nor expects ${them} here, so both directions keep the common layout`
      : parts.join('; ');
    const reason = `${namesText(names)} ${side === 'b' ? 'added' : 'removed'} in ${w.b.label}${bytesText(w, bytes)}, ${gate}. ${summary}.${note ? ` ${note}.` : ''}`;
    return {
      device: w.device,
      path: `${w.at}:${names[0]}${names.length > 1 ? '…' : ''}`,
      vmsd: w.va.name,
      field: names.join(', '),
      change,
      severity: severityOf(ef, eb, 'compatible'),
      forward: ef,
      backward: eb,
      reason,
      checkerMisses: missed,
    };
  };
  const probe = build(['\u0000'], 0);
  pend.push({ key: `${change}|${probe.reason}|${ef}|${eb}|${missed}`, names: [f.label], bytes: fieldBytes(f), build });
}

/** A field both sides have (or a rename: same shape, different name). */
function comparePair(w: Walk, fa: FieldNode, fb: FieldNode, pend: Pending[], renamed: boolean): void {
  const flows = (['fwd', 'bwd'] as Dir[]).map((d) => flow(w, d, fa, fb));
  const diffs = shapeDiffs(w, fa, fb);
  const gateChanged = fa.version_id !== fb.version_id || !samePredicate(fa.test, fb.test);
  const shapeEffect = (l: Leg): Effect => worst(...diffs.map((d) => (d.effect === 'breaks' ? breaks(l) : d.effect === 'may-break' ? 'may-break' : 'ok')));
  const effects = flows.map((f) => (f && f.status === 'both' ? shapeEffect(f.leg) : flowEffect(f))) as [Effect, Effect];
  for (const f of flows) {
    if (f && (f.status === 'unread' || f.status === 'unwritten') && (f.writes.byVersion || f.reads.byVersion)) w.versionCaused[f.dir].push(fb.label);
  }
  if (renamed || diffs.length > 0 || gateChanged || effects.some((e) => e !== 'ok')) {
    const what: string[] = [];
    if (renamed) what.push(`renamed ${fa.label} → ${fb.label} (names are not on the wire)`);
    for (const d of diffs) what.push(d.text);
    if (gateChanged) what.push(`${gateText(fa, versionOf(w, 'a'), w.a.props)} → ${gateText(fb, versionOf(w, 'b'), w.b.props)}`);
    const live = flows.filter((f): f is Flow => f !== null);
    const layoutDiffers = diffs.some((d) => d.effect !== null);
    const cons = (them: string) =>
      (['fwd', 'bwd'] as Dir[]).map((d, i) => {
        const f = flows[i]!;
        return f?.status === 'both' ? `${dirLabel(w, d)}: both sides have ${them} on the wire${layoutDiffers ? ', laid out differently' : ''}` : consequence(w, d, f, them, true, true);
      });
    const byVersion = live.some((f) => (f.status === 'unread' || f.status === 'unwritten') && (f.writes.byVersion || f.reads.byVersion));
    const note = byVersion ? nestedNote(w) : '';
    const reason = (them: string) => `${what.join('; ')}. ${cons(them).join('; ')}.${note ? ` ${note}.` : ''}`;
    const missed =
      w.custom !== null ||
      live.some((f) => effects[f.dir === 'fwd' ? 0 : 1] !== 'ok' && f.status !== 'both' && !checkerSeesPair(f, fa, fb)) ||
      diffs.some((d) => d.change === 'field-count' && d.effect !== null);
    const change: ChangeKind = renamed ? 'field-renamed' : (diffs.find((d) => d.effect !== null)?.change ?? diffs[0]?.change ?? (gateChanged ? 'field-gate' : 'field-layout'));
    const quiet = !renamed && diffs.length > 0 && diffs.every((d) => d.effect === null) ? 'info' : 'compatible';
    const [ef, eb] = effects;
    const build = (names: string[], bytes: number | null): Omit<Finding, 'machines' | 'section'> => ({
      device: w.device,
      path: `${w.at}:${names[0]}${names.length > 1 ? '…' : ''}`,
      vmsd: w.va.name,
      field: names.join(', '),
      change,
      severity: severityOf(ef, eb, quiet),
      forward: ef,
      backward: eb,
      reason: names.length === 1 ? reason('it') : `${namesText(names)}${bytesText(w, bytes)}: ${reason('them')}`,
      checkerMisses: missed,
    });
    // only plain per-field changes merge with their neighbours
    const key = renamed || diffs.length > 0 ? `${fa.label}|${fb.label}|unique` : `${change}|${reason('it')}|${ef}|${eb}|${missed}`;
    pend.push({ key, names: [renamed ? `${fa.label}→${fb.label}` : fb.label], bytes: fieldBytes(fb), build });
  }
  // below the field: nested VMSDs and a custom codec's inline VMSDs
  if (fa.nested && fb.nested) {
    flush(w, pend);
    const proc = (f: FieldNode) => (f.kind === 'vstruct' && f.structVersion !== null ? f.structVersion : f.nested!.version_id);
    const nestedLeg = (f: Flow | null, saverF: FieldNode, loaderF: FieldNode): Leg | null => {
      if (!f || (f.status !== 'both' && f.status !== 'uncertain')) return null;
      return { saveV: proc(saverF), loadV: proc(loaderF), maybe: f.status === 'uncertain' ? 'the field is on the wire' : f.leg.maybe };
    };
    // a dump before 8.1 has no `num`: the count is unknown, not many
    const many = fb.count !== null && (!('fixed' in fb.count) || fb.count.fixed !== 1);
    compareVmsd({
      ...w,
      at: `${w.at}:${fb.label} › ${fa.nested.name}`,
      va: fa.nested,
      vb: fb.nested,
      via: fa.kind === 'vstruct' || fb.kind === 'vstruct' ? { kind: 'vstruct', field: fb.label } : { kind: 'struct', field: fb.label },
      perElement: w.perElement || many,
      fwd: nestedLeg(flows[0]!, fa, fb),
      bwd: nestedLeg(flows[1]!, fb, fa),
      versionCaused: { fwd: [], bwd: [] },
    });
  }
  if (fa.kind === 'custom' && fb.kind === 'custom' && fa.type === fb.type) {
    flush(w, pend);
    compareInline(w, fa, fb, flows as [Flow | null, Flow | null]);
  }
}

/** The VMSDs a custom codec declares it saves inline, paired by name. */
function compareInline(w: Walk, fa: FieldNode, fb: FieldNode, flows: [Flow | null, Flow | null]): void {
  const codec = fa.type!;
  for (const s of align(fa.inline, fb.inline, (v) => v.name)) {
    if (s.a && s.b) {
      const inlineLeg = (f: Flow | null, saverV: VmsdNode, loaderV: VmsdNode): Leg | null =>
        f && (f.status === 'both' || f.status === 'uncertain') ? { saveV: saverV.version_id, loadV: loaderV.version_id, maybe: f.leg.maybe } : null;
      compareVmsd({
        ...w,
        at: `${w.at}:${fb.label} › ${s.a.name}`,
        va: s.a,
        vb: s.b,
        via: { kind: 'inline', codec },
        custom: w.custom ?? codec,
        fwd: inlineLeg(flows[0], s.a, s.b),
        bwd: inlineLeg(flows[1], s.b, s.a),
        versionCaused: { fwd: [], bwd: [] },
      });
      continue;
    }
    const only = (s.a ?? s.b)!;
    const has = s.a ? w.a.label : w.b.label;
    const ef = flows[0]?.status === 'both' ? breaks(flows[0].leg) : 'ok';
    const eb = flows[1]?.status === 'both' ? breaks(flows[1].leg) : 'ok';
    push(w, {
      path: `${w.at}:${fb.label} › ${only.name}`,
      vmsd: only.name,
      field: null,
      change: 'custom-codec',
      severity: severityOf(ef, eb, 'compatible'),
      forward: ef,
      backward: eb,
      reason: `the custom codec ${codec} saves the VMSD ${only.name} inline in ${has} only: the other side neither writes nor reads its bytes. QEMU's checker cannot see inside custom codecs.`,
      checkerMisses: true,
    });
  }
}

/** A run of fields only A has, next to a run only B has, between two paired fields. */
function compareGap(w: Walk, ga: FieldNode[], gb: FieldNode[], trailing: boolean, pend: Pending[]): void {
  if (ga.length === gb.length && ga.every((f, i) => f.kind !== 'unused' && gb[i]!.kind !== 'unused' && shapeKey(f) === shapeKey(gb[i]!))) {
    ga.forEach((f, i) => comparePair(w, f, gb[i]!, pend, true));
    return;
  }
  if (ga.length === 0 || gb.length === 0) {
    const side = ga.length ? 'a' : 'b';
    for (const f of ga.length ? ga : gb) oneSided(w, f, side, trailing, pend);
    return;
  }
  // Both sides have something here: the bytes either line up or they do not.
  const unused = [...ga, ...gb].some((f) => f.kind === 'unused');
  const total = (fs: FieldNode[], side: Side, version: number): { bytes: number | null; why: string[] } => {
    let bytes: number | null = 0;
    const why: string[] = [];
    for (const f of fs) {
      const p = presence(f, version, side.props);
      if (p.value === 'no') continue;
      const n = fieldBytes(f);
      if (p.value !== 'yes' || n === null) {
        bytes = null;
        why.push(p.value !== 'yes' ? `${f.label}: ${p.why}` : `${f.label} has no fixed size`);
      } else if (bytes !== null) bytes += n;
    }
    return { bytes, why };
  };
  const effects: Effect[] = [];
  const cons: string[] = [];
  for (const d of ['fwd', 'bwd'] as Dir[]) {
    const l = leg(w, d);
    if (!l) {
      effects.push('ok');
      continue;
    }
    const { saver, loader } = roles(w, d);
    const [sg, lg] = d === 'fwd' ? [ga, gb] : [gb, ga];
    const wr = total(sg, saver, l.saveV);
    const rd = total(lg, loader, l.loadV);
    if (wr.bytes === null || rd.bytes === null) {
      effects.push('may-break');
      cons.push(`${dirLabel(w, d)}: may break (${[...wr.why, ...rd.why].join('; ')})`);
    } else if (wr.bytes !== rd.bytes) {
      effects.push(breaks(l));
      cons.push(`${dirLabel(w, d)}: ${saver.label} writes ${plural(wr.bytes, 'byte')} there, ${loader.label} reads ${rd.bytes}`);
    } else {
      effects.push('ok');
      cons.push(`${dirLabel(w, d)}: ${plural(wr.bytes, 'byte')} written and read`);
    }
  }
  const [ef, eb] = effects as [Effect, Effect];
  const ok = ef === 'ok' && eb === 'ok';
  const list = (fs: FieldNode[]) => fs.map((f) => `${f.label} (${shapeText(f)})`).join(', ');
  // a field retired to VMSTATE_UNUSED keeps the layout, but its value is gone after a round trip through the side that retired it
  const lost = (real: FieldNode[], other: FieldNode[], owner: Side, retirer: Side) =>
    ok && real.some((f) => f.kind !== 'unused') && other.every((f) => f.kind === 'unused')
      ? ` ${owner.label}'s ${real.filter((f) => f.kind !== 'unused').map((f) => f.label).join(', ')} does not survive a round trip through ${retirer.label}, which reads the bytes as unused and sends zeros back.`
      : '';
  const loss = lost(ga, gb, w.a, w.b) + lost(gb, ga, w.b, w.a);
  const change: ChangeKind = unused ? (ok ? 'unused-placeholder' : 'unused-size') : ok ? 'field-renamed' : 'field-layout';
  pend.push({
    key: `gap|${ga[0]!.label}|${gb[0]!.label}`,
    names: [...ga.map((f) => f.label), ...gb.map((f) => f.label)],
    bytes: null,
    build: () => ({
      device: w.device,
      path: `${w.at}:${ga[0]!.label}`,
      vmsd: w.va.name,
      field: [...ga, ...gb].map((f) => f.label).join(', '),
      change,
      severity: severityOf(ef, eb, 'compatible'),
      forward: ef,
      backward: eb,
      reason: `${w.a.label} has ${list(ga)} where ${w.b.label} has ${list(gb)}${ok ? ': the bytes line up' : ''}. ${cons.join('; ')}.${loss}`,
      checkerMisses: w.custom !== null,
    }),
  });
}

function compareFields(w: Walk): void {
  const pend: Pending[] = [];
  const cs = chunks(align(w.va.fields, w.vb.fields, (f) => f.name));
  for (let i = 0; i < cs.length; i++) {
    const run = resplitAt(w, cs, i);
    if (run) {
      pend.push({ key: `resplit|${i}`, names: [], bytes: null, build: () => resplitFinding(w, run) });
      i = run.end - 1;
      continue;
    }
    const c = cs[i]!;
    if (c.kind === 'pair') comparePair(w, c.a, c.b, pend, false);
    else compareGap(w, c.a, c.b, i === cs.length - 1, pend);
  }
  flush(w, pend);
}

function neededAnswer(s: SubsectionNode, props: Props | null): { value: 'yes' | 'no' | 'state' | 'opaque'; text: string } {
  if (!s.needed) return { value: 'yes', text: 'always sent' };
  if (s.needed.kind === 'opaque' || props === null) return { value: 'opaque', text: 'sent whenever its needed() says so (a dump does not describe needed())' };
  const a = evaluate(s.needed, 0, props);
  const text = testText(s.needed, 0, props, 'needed()').replace(/^gated by/, 'sent as decided by');
  return { value: a.value, text };
}

function compareSubsections(w: Walk): void {
  const names = [...w.va.subsections.map((s) => s.vmsd.name)];
  for (const s of w.vb.subsections) if (!names.includes(s.vmsd.name)) names.push(s.vmsd.name);
  for (const name of names) {
    const sa = w.va.subsections.find((s) => s.vmsd.name === name) ?? null;
    const sb = w.vb.subsections.find((s) => s.vmsd.name === name) ?? null;
    const effects: Effect[] = [];
    const cons: string[] = [];
    const legs: (Leg | null)[] = [];
    for (const d of ['fwd', 'bwd'] as Dir[]) {
      const l = leg(w, d);
      const { saver, loader } = roles(w, d);
      const [ss, ls] = d === 'fwd' ? [sa, sb] : [sb, sa];
      if (!l || !ss) {
        effects.push('ok');
        legs.push(null);
        continue;
      }
      const sent = neededAnswer(ss, saver.props);
      const head = `${dirLabel(w, d)}: `;
      if (sent.value === 'no') {
        effects.push('ok');
        legs.push(null);
        cons.push(`${head}${saver.label} does not send it here`);
        continue;
      }
      const sometimes = sent.value === 'yes' ? l.maybe : `${saver.label}'s needed() says so`;
      const fails = (msg: string) => {
        effects.push(sometimes ? 'may-break' : 'breaks');
        legs.push(null);
        cons.push(`${head}${msg}${sent.value === 'yes' && l.maybe ? ` (whenever ${l.maybe})` : ''}`);
      };
      const wire = ss.vmsd.version_id;
      const sends = sent.value === 'yes' ? `${saver.label} sends it (${sent.text})` : `whenever its needed() says so, ${saver.label} sends it`;
      if (!ls) fails(`${sends} and ${loader.label} does not know it: the load fails with an unknown subsection`);
      else if (wire > ls.vmsd.version_id) fails(`${saver.label} sends version ${wire}, ${loader.label} accepts at most ${ls.vmsd.version_id}`);
      else if (wire < ls.vmsd.minimum_version_id) fails(`${saver.label} sends version ${wire}, ${loader.label} needs at least ${ls.vmsd.minimum_version_id}`);
      else {
        effects.push('ok');
        legs.push({ saveV: wire, loadV: wire, maybe: sometimes });
        cons.push(`${head}${saver.label} sends version ${wire}${sent.value === 'yes' ? '' : ` when ${sent.text}`}, ${loader.label} accepts it`);
      }
    }
    const [ef, eb] = effects as [Effect, Effect];
    const at = `${w.at} › ${name}`;
    if (!sa || !sb) {
      const owner = sa ? w.a : w.b;
      push(w, {
        path: at,
        vmsd: name,
        field: null,
        change: 'subsection-missing',
        severity: severityOf(ef, eb, 'compatible'),
        forward: ef,
        backward: eb,
        reason: `subsection ${name} ${sa ? 'removed' : 'added'} in ${w.b.label}, ${neededAnswer((sa ?? sb)!, owner.props).text}. ${cons.join('; ') || 'Never sent here'}.`,
        checkerMisses: w.custom !== null && (ef !== 'ok' || eb !== 'ok'),
      });
      continue;
    }
    if (sa.vmsd.version_id !== sb.vmsd.version_id || sa.vmsd.minimum_version_id !== sb.vmsd.minimum_version_id) {
      push(w, {
        path: at,
        vmsd: name,
        field: null,
        change: 'subsection-version',
        severity: severityOf(ef, eb, 'compatible'),
        forward: ef,
        backward: eb,
        reason: `subsection ${name}: version ${sa.vmsd.version_id} → ${sb.vmsd.version_id}, minimum ${sa.vmsd.minimum_version_id} → ${sb.vmsd.minimum_version_id}; a subsection's version is in its header. ${cons.join('; ')}.`,
        checkerMisses: w.custom !== null && (ef !== 'ok' || eb !== 'ok'),
      });
    }
    if (!samePredicate(sa.needed, sb.needed)) {
      push(w, {
        path: at,
        vmsd: name,
        field: null,
        change: 'subsection-gate',
        severity: severityOf(ef, eb, 'compatible'),
        forward: ef,
        backward: eb,
        reason: `subsection ${name}: ${neededAnswer(sa, w.a.props).text} → ${neededAnswer(sb, w.b.props).text}. ${cons.join('; ')}.`,
        checkerMisses: false,
      });
    }
    compareVmsd({ ...w, at, va: sa.vmsd, vb: sb.vmsd, via: { kind: 'subsection' }, fwd: legs[0]!, bwd: legs[1]!, versionCaused: { fwd: [], bwd: [] } });
  }
}

/** A nested VMSD's own version and name, after its fields were compared (the fields tell whether the version matters). */
function nestedVersionFinding(w: Walk, insertAt: number): void {
  if (w.via.kind === 'section' || w.via.kind === 'subsection') return;
  const p = processing(w);
  const changed = w.va.version_id !== w.vb.version_id || w.va.minimum_version_id !== w.vb.minimum_version_id || (p.a !== null && p.b !== null && p.a !== p.b);
  const found: Omit<Finding, 'machines' | 'section'>[] = [];
  if (w.va.name !== w.vb.name) {
    found.push({
      device: w.device,
      path: w.at,
      vmsd: w.va.name,
      field: null,
      change: 'vmsd-name',
      severity: 'info',
      forward: 'ok',
      backward: 'ok',
      reason: `nested VMSD renamed ${w.va.name} → ${w.vb.name}: a nested struct's name is not on the wire (its subsections' names are)`,
      checkerMisses: false,
    });
  }
  if (changed) {
    const ef: Effect = w.versionCaused.fwd.length && w.fwd ? breaks(w.fwd) : 'ok';
    const eb: Effect = w.versionCaused.bwd.length && w.bwd ? breaks(w.bwd) : 'ok';
    const fields = [...new Set([...w.versionCaused.fwd, ...w.versionCaused.bwd])];
    const both = ef !== 'ok' && eb !== 'ok' ? 'in both directions' : ef !== 'ok' ? `for ${dirLabel(w, 'fwd')}` : `for ${dirLabel(w, 'bwd')}`;
    const versions = `version ${w.va.version_id} → ${w.vb.version_id}, minimum ${w.va.minimum_version_id} → ${w.vb.minimum_version_id}`;
    const consequence =
      ef === 'ok' && eb === 'ok'
        ? 'No field is present on one side and absent on the other because of it at this machine type, so the layout is unchanged'
        : `Fields gated by the version (${fields.join(', ')}) are then written by one side and not read by the other: the layout differs ${both}`;
    const wireCheck = w.via.kind === 'vstruct' ? '' : ' Nothing checks the minimum version of a nested struct either.';
    // QEMU's checker compares a nested Description's versions as if they were on the wire: it flags only saver > loader or saver < loader's minimum
    const seen = (s: VmsdNode, l: VmsdNode) => s.version_id > l.version_id || s.version_id < l.minimum_version_id;
    const checkerMisses =
      w.custom !== null || w.via.kind === 'vstruct' || (ef !== 'ok' && !seen(w.va, w.vb)) || (eb !== 'ok' && !seen(w.vb, w.va));
    found.push({
      device: w.device,
      path: w.at,
      vmsd: w.va.name,
      field: null,
      change: 'vmsd-version',
      severity: severityOf(ef, eb, 'compatible'),
      forward: ef,
      backward: eb,
      reason: `${versions}. ${nestedNote(w)}.${wireCheck} ${consequence}.${
        checkerMisses && (ef !== 'ok' || eb !== 'ok')
          ? w.custom !== null
            ? ` QEMU's checker cannot see it: ${w.va.name} is saved by the custom codec ${w.custom}.`
            : ` QEMU's checker compares a nested version as if it were on the wire and does not flag every direction that breaks here.`
          : ''
      }`,
      checkerMisses: checkerMisses && (ef !== 'ok' || eb !== 'ok'),
    });
  }
  w.out.splice(insertAt, 0, ...found);
}

function compareVmsd(w: Walk): void {
  const start = w.out.length;
  compareFields(w);
  nestedVersionFinding(w, start);
  compareSubsections(w);
}

/** One device present in both schemas. */
export function compareDevice(a: Side, b: Side, da: DeviceSchema, db: DeviceSchema): Omit<Finding, 'machines' | 'section'>[] {
  const out: Omit<Finding, 'machines' | 'section'>[] = [];
  const at = da.vmsd.name;
  const base = { device: da.key, vmsd: da.vmsd.name, field: null, path: at };
  // a dump knows no idstr, only the VMSD name it ends with
  const idChanged = da.idstr !== null && db.idstr !== null && da.idstr !== db.idstr;
  if (idChanged || da.vmsd.name !== db.vmsd.name) {
    const what = da.idstr && db.idstr ? `section idstr ${da.idstr} → ${db.idstr}` : `VMSD ${da.vmsd.name} → ${db.vmsd.name}`;
    out.push({
      ...base,
      change: 'section-name',
      severity: 'breaking-both',
      forward: 'breaks',
      backward: 'breaks',
      reason: `${what}: a section is found by its idstr (which ends with the VMSD name), so neither side recognises the other's section (Unknown savevm section).`,
      checkerMisses: false,
    });
    return out;
  }
  const va = da.vmsd;
  const vb = db.vmsd;
  const accepts = (s: VmsdNode, l: VmsdNode) => s.version_id <= l.version_id && s.version_id >= l.minimum_version_id;
  const fwdOk = accepts(va, vb);
  const bwdOk = accepts(vb, va);
  if (va.version_id !== vb.version_id || va.minimum_version_id !== vb.minimum_version_id) {
    const why = (s: Side, sv: VmsdNode, l: Side, lv: VmsdNode) =>
      sv.version_id > lv.version_id
        ? `${s.label}→${l.label}: ${s.label} sends version ${sv.version_id}, ${l.label} accepts at most ${lv.version_id} (section version too new)`
        : sv.version_id < lv.minimum_version_id
          ? `${s.label}→${l.label}: ${s.label} sends version ${sv.version_id}, ${l.label} needs at least ${lv.minimum_version_id} (too old)`
          : `${s.label}→${l.label}: ${l.label} loads version ${sv.version_id}`;
    out.push({
      ...base,
      change: 'section-version',
      severity: severityOf(fwdOk ? 'ok' : 'breaks', bwdOk ? 'ok' : 'breaks', 'compatible'),
      forward: fwdOk ? 'ok' : 'breaks',
      backward: bwdOk ? 'ok' : 'breaks',
      reason: `section version ${va.version_id} → ${vb.version_id}, minimum ${va.minimum_version_id} → ${vb.minimum_version_id}; the version travels in the section header and the loader processes the fields at it. ${why(a, va, b, vb)}; ${why(b, vb, a, va)}.`,
      checkerMisses: false,
    });
  }
  compareVmsd({
    a,
    b,
    device: da.key,
    at,
    va,
    vb,
    via: { kind: 'section' },
    custom: null,
    perElement: false,
    fwd: fwdOk ? { saveV: va.version_id, loadV: va.version_id, maybe: null } : null,
    bwd: bwdOk ? { saveV: vb.version_id, loadV: vb.version_id, maybe: null } : null,
    out,
    versionCaused: { fwd: [], bwd: [] },
  });
  // "the checker misses it" is about breaks only
  for (const f of out) f.checkerMisses &&= f.forward !== 'ok' || f.backward !== 'ok';
  return out;
}
