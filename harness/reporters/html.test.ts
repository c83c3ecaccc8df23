import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { main } from '../cli.js';
import { collectIo } from '../io.js';
import type { Report } from '../../src/check/report-schema.js';

// Debian's chromium (.ci/run installs it); playwright-core never downloads a browser.
const CHROMIUM = process.env.VMCOMPAT_CHROMIUM ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'vmcompat-html-'));
let context: BrowserContext;
let report: Report;
const FAILURE = 'virtio-gpu/8.2.0->9.0.0/pc-q35-8.2';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does), or set VMCOMPAT_CHROMIUM`);
  const io = collectIo();
  expect(await main(['check', '--device', 'virtio-gpu', '--pair', '8.2.0:9.0.0', '--pair', '8.2.0:9.0.1', '--machine', 'pc-q35-*', '--runs', '3', '--seed', '21', '--workers', '2', '--reporter', 'html', '--reporter', 'json', '--report-dir', join(dir, 'r')], io)).toBe(0);
  report = JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8'));
  // a taller grid (several devices) whose body scrolls under the header
  expect(await main(['check', '--pair', '8.2.0:9.0.0', '--machine', 'pc-q35-{8.2,9.0}', '--runs', '1', '--seed', '21', '--workers', '2', '--reporter', 'html', '--report-dir', join(dir, 'tall')], collectIo())).toBe(0);
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('loads with no console errors and no network, and opens the virtio-gpu failure on a click', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(join(dir, 'r', 'report.html')).href);
    await page.waitForLoadState('load');

    // the grid: one row per device, a cell per release pair and machine type, each with both directions
    expect(await page.locator('#grid tbody tr').count()).toBe(1);
    const cell = page.locator(`button.half[data-id="${FAILURE}"]`);
    expect(await cell.getAttribute('class')).toContain('o-expected-failure');
    expect(await page.locator('button.half.o-pass').count()).toBeGreaterThan(0);
    expect(await page.locator('button.half.o-skip').count()).toBeGreaterThan(0);
    expect(await page.locator('#detail').isHidden()).toBe(true);

    await cell.click();
    const detail = page.locator('#detail');
    expect(await detail.isVisible()).toBe(true);
    const c = report.cases.find((x) => x.id === FAILURE)!;
    const text = await detail.innerText();
    expect(text).toContain('virtio-gpu 8.2.0 → 9.0.0 @ pc-q35-8.2 · short-read');
    expect(text).toContain('failed as expected');
    expect(text).toContain('virtio-gpu-one-scanout');
    expect(text).toContain('parent_obj.scanout[0].fb.format');
    expect(text).toContain(`0x${c.offset!.toString(16)}`);
    expect(text).toContain('Missing section footer for 0000:00:02.0/virtio-gpu');
    expect(text).toContain('Smallest failing state');
    // the annotated hex dump around the offset, and the replay command
    const dump = await page.locator('#hexdump').innerText();
    expect(dump).toContain('[');
    expect(dump).toMatch(/8\.2\.0: .*cursor\.pos\.y/);
    expect(dump).toMatch(/section footer \(7e, id \d+\) · 9\.0\.0 read .*fb\.format/);
    // the cause and its fix come first in the panel
    expect(await page.locator('#cause').innerText()).toMatch(/^nested-version — virtio-gpu-one-scanout is version 1 in 8\.2\.0 and 2 in 9\.0\.0/);
    expect(await page.locator('#hint').innerText()).toMatch(/^usual fix: gate the new fields/);
    // no annotation runs out of the panel, at a laptop's width and at a narrow one
    for (const width of [1280, 760]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate(() => {
        const panel = document.getElementById('detail')!.getBoundingClientRect();
        const box = document.getElementById('hexdump')!;
        const notes = [...box.querySelectorAll('.note')].map((n) => n.getBoundingClientRect());
        return {
          page: document.documentElement.scrollWidth > document.documentElement.clientWidth,
          notes: notes.filter((r) => r.right > panel.right + 0.5).length,
          box: box.getBoundingClientRect().right > panel.right + 0.5,
        };
      });
      expect(overflow, `at ${width}px`).toEqual({ page: false, notes: 0, box: false });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#hexdump').scrollIntoViewIfNeeded();
    await page.screenshot({ path: process.env.VMCOMPAT_SCREENSHOT ?? join(dir, 'case.png'), fullPage: false });
    expect(await page.locator('#repro').innerText()).toBe(c.repro);

    await page.locator('#copy').click();
    await page.waitForFunction(() => document.getElementById('copied')?.textContent !== '');
    expect(['copied', 'select and copy by hand']).toContain(await page.locator('#copied').innerText());

    // the case is addressable: the URL now names it, and opening that URL opens it
    expect(decodeURIComponent(new URL(page.url()).hash.slice(1))).toBe(FAILURE);
    const again = await context.newPage();
    again.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await again.goto(page.url());
    expect(await again.locator('#detail h2').innerText()).toContain('8.2.0 → 9.0.0 @ pc-q35-8.2');
    expect(problems).toEqual([]);
  });

  it('the rotated machine-type headers are never cut: whole inside their cells, nothing over them and no body between the header rows, at rest and scrolled, with the default font and a larger one', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 500 });
    await page.goto(pathToFileURL(join(dir, 'tall', 'report.html')).href);
    /** Every problem with the header as laid out now, as text (none: an empty list). */
    const problems = () =>
      page.evaluate(() => {
        const out: string[] = [];
        const wrap = document.querySelector('.grid-wrap')!.getBoundingClientRect();
        const table = document.getElementById('grid')!.getBoundingClientRect();
        const pair = document.querySelector('#grid th.pair')!.getBoundingClientRect();
        for (const th of document.querySelectorAll<HTMLElement>('#grid th.machine')) {
          const label = th.querySelector('span')!.getBoundingClientRect();
          const cell = th.getBoundingClientRect();
          if (label.width === 0 || label.right > Math.min(wrap.right, innerWidth)) continue; // hidden or scrolled out sideways
          const name = th.textContent;
          if (label.top < cell.top || label.bottom > cell.bottom) out.push(`${name}: the label (${label.top}..${label.bottom}) overflows its cell (${cell.top}..${cell.bottom})`);
          if (label.top < Math.max(table.top, wrap.top) || label.top < pair.bottom) out.push(`${name}: the label's top ${label.top} is above the table (${table.top}), the grid (${wrap.top}) or the pair row's bottom (${pair.bottom})`);
          const x = label.left + label.width / 2;
          for (const y of [label.top + 0.5, label.bottom - 0.5]) {
            const hit = document.elementFromPoint(x, y);
            if (!hit || !th.contains(hit)) out.push(`${name}: at (${x}, ${y}) ${hit ? `${hit.tagName}.${hit.className}` : 'nothing'} covers the label`);
          }
          // between the pair row and this header nothing of the body may show
          const between = document.elementFromPoint(x, pair.bottom + 0.5);
          if (between?.closest('tbody')) out.push(`${name}: below the pair row, at ${pair.bottom + 0.5}, the body's ${between.tagName}.${between.className} shows`);
        }
        return out;
      });
    for (const font of ['', '#grid th.pair { font-size: 18px; }']) {
      if (font) await page.addStyleTag({ content: font });
      await page.evaluate(() => (document.querySelector('.grid-wrap')!.scrollTop = 0));
      expect(await problems(), `at rest ${font}`).toEqual([]);
      const scrolled = await page.evaluate(() => {
        const w = document.querySelector<HTMLElement>('.grid-wrap')!;
        w.scrollTop = 200;
        return w.scrollTop;
      });
      expect(scrolled, 'the tall grid scrolls').toBeGreaterThan(100);
      expect(await problems(), `scrolled ${font}`).toEqual([]);
    }
    await page.evaluate(() => (document.querySelector('.grid-wrap')!.scrollTop = 120));
    await page.screenshot({ path: process.env.VMCOMPAT_GRID_SCREENSHOT ?? join(dir, 'grid.png'), clip: { x: 0, y: 0, width: 900, height: 420 } });
  });

  it('the device filter and "only devices with failures" hide rows', async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'r', 'report.html')).href);
    await page.locator('#filter').fill('nothing-like-this');
    expect(await page.locator('#grid tbody tr:visible').count()).toBe(0);
    await page.locator('#filter').fill('gpu');
    expect(await page.locator('#grid tbody tr:visible').count()).toBe(1);
  });

  it('the release pair selector shows one pair\'s columns', async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'r', 'report.html')).href);
    const all = await page.locator('#grid tbody td:visible').count();
    await page.locator('#pair').selectOption('8.2.0:9.0.1');
    const one = await page.locator('#grid tbody td:visible').count();
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThan(all);
    expect(await page.locator('#grid thead th.pair:visible').allTextContents()).toEqual(['8.2.0 ⇄ 9.0.1']);
    // every visible cell's cases are of that pair
    const ids = await page.locator('#grid tbody td:visible button[data-id]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-id')));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => /\/(8\.2\.0->9\.0\.1|9\.0\.1->8\.2\.0)\//.test(id!))).toBe(true);
    await page.locator('#pair').selectOption('');
    expect(await page.locator('#grid tbody td:visible').count()).toBe(all);
  });
});
