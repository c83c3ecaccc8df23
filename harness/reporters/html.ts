/**
 * report.html: one self-contained page (inline style and script, a content
 * security policy that forbids any fetch). A grid of devices (rows) by
 * release pair and machine type (columns); each cell holds the pair's two
 * directions, coloured by outcome. A click opens the case: the failure with
 * its VMSD, field path and offset, QEMU's lines, the annotated hex dump, the
 * smallest state as a tree and the replay command with a copy button.
 */
import type { Report, ReportCase } from '../../src/check/report-schema.js';
import { DUMP_WIDTH } from '../../src/check/hexdump.js';

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** JSON inside <script>: nothing in it may close the element or end a JS string. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const MARK: Record<ReportCase['outcome'], string> = {
  pass: '✓',
  'expected-failure': '✗',
  skip: '–',
  incomplete: '?',
  'unexpected-pass': '!',
  'unexpected-failure': '✗',
  error: '!',
};

const LABEL: Record<ReportCase['outcome'], string> = {
  pass: 'pass',
  'expected-failure': 'failed as expected',
  skip: 'skipped',
  incomplete: 'INCOMPLETE (a field was never generated)',
  'unexpected-pass': 'UNEXPECTED PASS',
  'unexpected-failure': 'UNEXPECTED FAILURE',
  error: 'ERROR',
};

function tip(c: ReportCase): string {
  const what = c.status === 'skip' ? `skipped: ${c.message}` : c.status === 'pass' ? `${c.states} states passed` : c.kind ? `${c.kind}${c.path ? ` at ${c.path}` : ''}` : (c.message ?? '').split('\n')[0];
  return `${c.device} ${c.from} → ${c.to} @ ${c.machine}: ${LABEL[c.outcome]} · ${what}`;
}

function button(c: ReportCase | undefined, dir: '→' | '←'): string {
  if (!c) return `<span class="half none" title="not in this run">${dir}</span>`;
  return `<button type="button" class="half o-${c.outcome}" data-i="${c.index}" data-id="${esc(c.id)}" title="${esc(tip(c))}" aria-label="${esc(tip(c))}">${dir}${MARK[c.outcome]}</button>`;
}

function grid(report: Report): string {
  const byKey = new Map(report.cases.map((c) => [`${c.device}\0${c.from}\0${c.to}\0${c.machine}`, c]));
  const pairs = report.plan.pairs
    .map(([a, b]) => ({
      a,
      b,
      machines: report.plan.machines.filter((m) => report.cases.some((c) => c.machine === m && ((c.from === a && c.to === b) || (c.from === b && c.to === a)))),
    }))
    .filter((p) => p.machines.length > 0);
  const devices = [...new Set(report.cases.map((c) => c.device))];
  const key = (p: { a: string; b: string }) => esc(`${p.a}:${p.b}`);
  const head1 = pairs.map((p) => `<th colspan="${p.machines.length}" class="pair" scope="colgroup" data-pair="${key(p)}">${esc(p.a)} ⇄ ${esc(p.b)}</th>`).join('');
  const head2 = pairs.map((p) => p.machines.map((m, i) => `<th class="machine${i === 0 ? ' first' : ''}" scope="col" data-pair="${key(p)}"><span>${esc(m)}</span></th>`).join('')).join('');
  const body = devices
    .map((d) => {
      const cells = pairs
        .map((p) =>
          p.machines
            .map((m, i) => {
              const fwd = byKey.get(`${d}\0${p.a}\0${p.b}\0${m}`);
              const back = byKey.get(`${d}\0${p.b}\0${p.a}\0${m}`);
              return `<td class="${i === 0 ? 'first' : ''}" data-pair="${key(p)}">${button(fwd, '→')}${button(back, '←')}</td>`;
            })
            .join(''),
        )
        .join('');
      return `<tr data-device="${esc(d)}"><th scope="row" class="device">${esc(d)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table id="grid"><thead><tr><th rowspan="2" class="corner">device \\ release pair, machine type<br><small>→ older to newer · ← newer to older</small></th>${head1}</tr><tr>${head2}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The release pairs of the grid, to show one at a time (a whole matrix has a column group for each). */
function pairSelect(report: Report): string {
  const options = report.plan.pairs.map(([a, b]) => `<option value="${esc(`${a}:${b}`)}">${esc(a)} ⇄ ${esc(b)}</option>`).join('');
  return `<label>release pair <select id="pair"><option value="">all</option>${options}</select></label>`;
}

function list(title: string, cases: readonly ReportCase[], open: boolean): string {
  if (cases.length === 0) return '';
  const items = cases
    .map((c) => `<li><button type="button" class="link o-${c.outcome}" data-i="${c.index}">${esc(c.id)}</button> <span class="why">${esc(tip(c).split(': ').slice(1).join(': '))}</span></li>`)
    .join('\n');
  return `<details class="list"${open ? ' open' : ''}><summary>${esc(title)} (${cases.length})</summary><ul>\n${items}\n</ul></details>`;
}

const STYLE = `
:root { --pass:#2e7d32; --xfail:#f0a000; --bad:#c62828; --err:#6a1b9a; --skip:#9e9e9e; --bg:#fff; --fg:#1b1b1b; --mute:#666; --line:#ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 16px 20px 40px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h1 .verdict-ok { color: var(--pass); } h1 .verdict-bad { color: var(--bad); }
.meta { color: var(--mute); margin: 0 0 10px; }
.counts { display: flex; gap: 14px; flex-wrap: wrap; margin: 8px 0 12px; }
.counts span { display: inline-flex; align-items: center; gap: 6px; }
.sw { width: 14px; height: 14px; border-radius: 3px; display: inline-block; }
.controls { margin: 8px 0; display: flex; gap: 16px; align-items: center; }
.grid-wrap { overflow: auto; max-height: 70vh; border: 1px solid var(--line); }
/* separate borders: collapsed ones stay behind when the header sticks, and the body shows through them */
table#grid { border-collapse: separate; border-spacing: 0; font-size: 12px; }
#grid th, #grid td { border: 0 solid var(--line); border-width: 0 1px 1px 0; padding: 2px; text-align: center; white-space: nowrap; }
/* the header rows stick as one block, whatever their heights (a fixed offset for the second row cuts
   the rotated machine types under the first, or lets the body show between them, with another font) */
#grid thead { position: sticky; top: 0; z-index: 3; }
#grid thead th { background: #f7f7f7; }
#grid th.corner { position: sticky; left: 0; z-index: 4; text-align: left; font-weight: normal; color: var(--mute); }
#grid th.device { position: sticky; left: 0; background: #fafafa; text-align: left; z-index: 2; font-family: ui-monospace, monospace; }
#grid th.machine { padding: 6px 2px 4px; vertical-align: bottom; }
#grid th.machine span { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; font-family: ui-monospace, monospace; }
#grid .first { border-left: 2px solid #999; }
.half { display: inline-block; min-width: 26px; height: 20px; margin: 0 1px; border: 0; border-radius: 3px; color: #fff; font: 11px ui-monospace, monospace; cursor: pointer; padding: 0 3px; }
.half.none { background: #f2f2f2; color: #bbb; cursor: default; }
.o-pass { background: var(--pass); } .o-expected-failure { background: var(--xfail); color: #222; }
.o-unexpected-failure, .o-unexpected-pass, .o-incomplete { background: var(--bad); } .o-error { background: var(--err); } .o-skip { background: var(--skip); }
.half.sel { outline: 3px solid #1565c0; outline-offset: 1px; }
button.link { border: 0; border-radius: 3px; padding: 1px 6px; font: 12px ui-monospace, monospace; cursor: pointer; color: #fff; }
.list ul { margin: 6px 0; padding-left: 18px; } .list li { margin: 2px 0; } .why { color: var(--mute); }
#detail { margin-top: 16px; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
#detail h2 { font-size: 16px; margin: 0 0 8px; font-family: ui-monospace, monospace; }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 10px; }
#detail dt { color: var(--mute); } #detail dd { margin: 0; font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; }
#detail .hexdump { background: #f6f8fa; padding: 8px; font: 12px/1.35 ui-monospace, monospace; overflow-x: auto; }
.hx { display: flex; flex-wrap: wrap; align-items: baseline; } .hx .bytes { white-space: pre; flex: none; }
.hx .note { flex: 1 1 28ch; white-space: normal; overflow-wrap: anywhere; padding-left: 2ch; color: #444; }
#detail pre { background: #f6f8fa; padding: 8px; overflow: auto; font: 12px/1.35 ui-monospace, monospace; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; margin-left: 8px; vertical-align: middle; }
#detail .cause { margin: 0 0 4px; } #detail .hint { margin: 0 0 10px; color: var(--mute); }
.replay { display: flex; gap: 8px; align-items: center; }
.replay code { background: #f6f8fa; padding: 4px 8px; border-radius: 4px; font: 12px ui-monospace, monospace; }
#copied { color: var(--pass); }
.tree, .tree details { font: 12px ui-monospace, monospace; } .tree details { margin-left: 14px; } .tree .leaf { margin-left: 14px; }
.tree summary { cursor: pointer; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var DUMP_WIDTH = ${DUMP_WIDTH};
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var byIndex = {};
  report.cases.forEach(function (c) { byIndex[c.index] = c; });
  var detail = document.getElementById('detail');
  var LABEL = ${JSON.stringify(LABEL)};

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function hex(n) { return '0x' + n.toString(16); }
  function tree(value, label) {
    if (value !== null && typeof value === 'object') {
      var keys = Object.keys(value);
      var d = el('details', {}, [el('summary', { text: (label === undefined ? '' : label + ': ') + (Array.isArray(value) ? '[' + keys.length + ']' : '{' + keys.length + '}') })]);
      keys.forEach(function (k) { d.appendChild(tree(value[k], k)); });
      return d;
    }
    return el('div', { class: 'leaf', text: (label === undefined ? '' : label + ': ') + JSON.stringify(value) });
  }
  function row(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', { text: name }));
    dl.appendChild(el('dd', { text: String(value) }));
  }
  function copy(text, done) {
    function fallback() {
      var t = el('textarea', {});
      t.value = text; document.body.appendChild(t); t.select();
      var ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(t); done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    else fallback();
  }

  function show(c) {
    document.querySelectorAll('.half.sel').forEach(function (b) { b.classList.remove('sel'); });
    document.querySelectorAll('.half[data-i="' + c.index + '"]').forEach(function (b) { b.classList.add('sel'); });
    detail.textContent = '';
    detail.hidden = false;
    var h = el('h2', { text: c.device + ' ' + c.from + ' → ' + c.to + ' @ ' + c.machine + (c.kind ? ' · ' + c.kind : '') });
    h.appendChild(el('span', { class: 'badge o-' + c.outcome, text: LABEL[c.outcome] }));
    detail.appendChild(h);
    if (c.cause) {
      detail.appendChild(el('p', { class: 'cause', id: 'cause' }, [el('b', { text: c.cause }), document.createTextNode(' — ' + (c.why || ''))]));
      if (c.hint) detail.appendChild(el('p', { class: 'hint', id: 'hint', text: 'usual fix: ' + c.hint }));
    }
    var dl = el('dl', {});
    row(dl, 'case', c.id);
    row(dl, 'expected', c.expected === 'pass' ? 'pass' : 'fail with ' + c.expectedKind);
    row(dl, 'scenario', c.scenario ? c.scenario + (c.reference ? ' — ' + c.reference : '') : 'none names this case (expected to pass)');
    if (c.status === 'pass') row(dl, 'verdict', c.states + ' states passed both ways, round trip exact');
    if (c.status === 'skip') row(dl, 'skipped', c.message);
    if (c.detail) row(dl, 'stage', c.detail.stage + ': ' + c.detail.saver + ' saved, ' + c.detail.loader + ' loaded');
    if (c.kind) row(dl, 'kind', c.kind + (c.detail && c.detail.qemuKind && c.detail.qemuKind !== c.kind ? ' (QEMU: ' + c.detail.qemuKind + ')' : ''));
    row(dl, 'VMSD', c.vmsd);
    row(dl, 'field path', c.path);
    if (c.offset !== null) row(dl, 'offset', hex(c.offset) + ' (' + c.offset + ')');
    if (c.status !== 'skip' && c.status !== 'pass') row(dl, 'message', c.message);
    if (c.detail && c.detail.origin) {
      var side = function (x) { return x ? x.vmsd + ':' + x.path + ' @' + hex(x.offset) + ' (' + x.size + ' bytes)' : 'nothing'; };
      row(dl, 'desync origin', c.detail.saver + ' wrote ' + side(c.detail.origin.sent) + '; ' + c.detail.loader + ' read ' + side(c.detail.origin.read));
    }
    if (c.detail && c.detail.qemu.length) row(dl, 'QEMU says', c.detail.qemu.join('\\n'));
    if (c.detail && c.detail.sent !== null) row(dl, 'sent / came back', JSON.stringify(c.detail.sent) + ' / ' + JSON.stringify(c.detail.received));
    if (c.seed !== null) row(dl, 'seed', c.seed + (c.replayPath ? '   path ' + c.replayPath : '') + (c.shrinks !== null ? '   (shrunk in ' + c.shrinks + ' steps)' : ''));
    row(dl, 'time', (c.durationMs / 1000).toFixed(2) + ' s');
    detail.appendChild(dl);
    if (c.repro) {
      var status = el('span', { id: 'copied', 'aria-live': 'polite' });
      var btn = el('button', { type: 'button', id: 'copy', text: 'Copy' });
      btn.addEventListener('click', function () { copy(c.repro, function (ok) { status.textContent = ok ? 'copied' : 'select and copy by hand'; }); });
      detail.appendChild(el('h3', { text: 'Replay' }));
      detail.appendChild(el('div', { class: 'replay' }, [el('code', { id: 'repro', text: c.repro }), btn, status]));
    }
    if (c.hexdump) {
      detail.appendChild(el('h3', { text: 'The stream around ' + hex(c.offset) + ' ([…] marks the offset; each row names what the sender wrote and the receiver read there)' }));
      // the bytes keep their columns; the annotation after them wraps inside the panel
      var dump = el('div', { id: 'hexdump', class: 'hexdump' });
      c.hexdump.forEach(function (line) {
        dump.appendChild(el('div', { class: 'hx' }, [el('span', { class: 'bytes', text: line.slice(0, DUMP_WIDTH) }), el('span', { class: 'note', text: line.slice(DUMP_WIDTH).trim() })]));
      });
      detail.appendChild(dump);
    }
    var diff = c.counterexampleDiff;
    if (diff !== null && c.status === 'fail') {
      var empty = typeof diff === 'object' && Object.keys(diff).length === 0;
      detail.appendChild(el('h3', { id: 'smallest', text: 'Smallest failing state' + (empty ? ': a freshly reset device (the whole state is in report.json)' : ', where it differs from a freshly reset device') }));
      if (!empty) {
        var t1 = el('div', { class: 'tree' }, [tree(diff, 'differences')]);
        var top = t1.querySelector('details');
        if (top) top.open = true;
        detail.appendChild(t1);
      }
      if (!empty && c.counterexample !== null) {
        detail.appendChild(el('h3', { text: 'The whole state' }));
        detail.appendChild(el('div', { class: 'tree' }, [tree(c.counterexample, 'state')]));
      }
    }
    if (c.status === 'error' && c.message) detail.appendChild(el('pre', { text: c.message }));
  }

  function open(i, scroll) {
    var c = byIndex[i];
    if (!c) return;
    show(c);
    if (history.replaceState) history.replaceState(null, '', '#' + encodeURIComponent(c.id));
    if (scroll) detail.scrollIntoView({ block: 'nearest' });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-i]') : null;
    if (b) open(Number(b.getAttribute('data-i')), true);
  });

  var filter = document.getElementById('filter');
  var problems = document.getElementById('problems');
  var pair = document.getElementById('pair');
  function applyFilter() {
    var q = filter.value.trim().toLowerCase();
    var p = pair.value;
    document.querySelectorAll('#grid [data-pair]').forEach(function (el) {
      el.hidden = p !== '' && el.getAttribute('data-pair') !== p;
    });
    document.querySelectorAll('#grid tbody tr').forEach(function (tr) {
      var d = tr.getAttribute('data-device').toLowerCase();
      var bad = tr.querySelector('td:not([hidden]) .o-unexpected-failure, td:not([hidden]) .o-unexpected-pass, td:not([hidden]) .o-incomplete, td:not([hidden]) .o-error, td:not([hidden]) .o-expected-failure');
      tr.hidden = (q && d.indexOf(q) < 0) || (problems.checked && !bad);
    });
  }
  filter.addEventListener('input', applyFilter);
  problems.addEventListener('change', applyFilter);
  pair.addEventListener('change', applyFilter);

  var hash = decodeURIComponent(location.hash.slice(1));
  if (hash) report.cases.forEach(function (c) { if (c.id === hash) open(c.index, true); });
})();
`;

/** A reset device's whole state (virtqueues and all) says nothing the words "a freshly reset device" do not: leave it to report.json. */
function slim(report: Report): Report {
  const isEmpty = (v: unknown) => v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  return { ...report, cases: report.cases.map((c) => (isEmpty(c.counterexampleDiff) ? { ...c, counterexample: null } : c)) };
}

export function renderHtml(report: Report): string {
  const s = report.summary;
  const c = report.config;
  const ok = s.unexpected === 0;
  const states = c.mode === 'examples' ? 'hand-written states' : `${c.runs} states/case · seed ${c.seed}`;
  const shards = report.shards ? ` · shards ${report.shards.map((x) => `${x.index}/${x.count}`).join(', ')}` : '';
  const title = ok ? `all ${s.total} cases as expected` : `${s.unexpected} unexpected result${s.unexpected === 1 ? '' : 's'} in ${s.total} cases`;
  const counts: [string, string, number][] = [
    ['pass', 'passed', s.passed - s.unexpectedPasses],
    ['expected-failure', 'failed as expected', s.expectedFailures],
    ['unexpected-failure', 'unexpected', s.unexpected - s.errors - (s.incomplete ?? 0)],
    ['incomplete', 'incomplete', s.incomplete ?? 0],
    ['error', 'errors', s.errors],
    ['skip', 'skipped', s.skipped],
  ];
  const unexpected = report.cases.filter((x) => x.unexpected);
  const xfail = report.cases.filter((x) => x.outcome === 'expected-failure');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>vmcompat — ${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>vmcompat — <span class="${ok ? 'verdict-ok' : 'verdict-bad'}">${esc(title)}</span></h1>
<p class="meta">releases ${esc(report.plan.releases.join(' '))} · ${report.plan.devices.length} devices · ${report.plan.machines.length} machine types · ${esc(states)}${esc(shards)} · ${esc(report.run.startedAt)} · ${(report.run.durationMs / 1000).toFixed(1)} s · vmcompat ${esc(report.tool.version)}</p>
<div class="counts">${counts
    .filter(([, , n], i) => n > 0 || i < 3)
    .map(([o, label, n]) => `<span><i class="sw o-${o}"></i>${n} ${label}</span>`)
    .join('')}</div>
<div class="controls"><label>device <input id="filter" type="search" placeholder="filter"></label>${pairSelect(report)}<label><input id="problems" type="checkbox"> only devices with failures</label><span class="meta">click a cell for the case</span></div>
<div class="grid-wrap">${grid(report)}</div>
${list('Unexpected results', unexpected, true)}
${list('Expected failures', xfail, false)}
<section id="detail" hidden></section>
<script type="application/json" id="report-data">${scriptJson(slim(report))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
