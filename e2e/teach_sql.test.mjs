// The teaching view's Flink SQL story, in Debian's Chromium: the query beside the picture
// (kept in step with the settings, copied, run in real Apache Flink on the lesson's own
// sales with the rows compared), the results table tied to the bars, the window inspector
// with every "not in this window" reason, end of input, processing time, the Flink badge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { serveDist, launch, openPage, shot } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serveDist(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const SIZES = [[1280, 800], [390, 844]];
const PYTHON = path.resolve('.tools/flink-venv/bin/python');

async function next(page, n) {
  for (let i = 0; i < n; i++) await page.click('[data-testid=lesson-next]');
}

/// The rows of the results table, each as its cells' texts.
function tableRows(page) {
  return page.$$eval('[data-testid=sql-row]', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
}

async function setField(page, id, value) {
  await page.fill(`[data-testid=${id}]`, value);
  await page.press(`[data-testid=${id}]`, 'Enter');
}

test('teaching view: the state the operator keeps, counted by the engine, and what a smaller slide would cost per window', async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: 1280, height: 800 });
  await page.click('[data-testid=state-panel] summary');
  assert.match(await page.textContent('[data-testid=state-panel]'), /Nothing yet/);
  await next(page, 20);
  const now = (await page.$$eval('[data-testid=state-now]', (ps) => ps.map((p) => p.textContent))).join(' ');
  assert.match(now, /Holds \d+ panes of 2 s \(the greatest common divisor of size 10 s and slide 2 s\), \d+ per-key counters and \d+ names?: about [\d.]+ (B|KiB)\./);
  assert.match(now, /windows? open\. Kept per window instead, each instant counted in all 5 of its windows/);
  assert.match(now, /The oldest pane \(from \d+ s\) is freed when the watermark reaches \d+ s/);
  // The slider: a tenth of the size as slide (index 3 of 10, 5, 2, 1, 0.5 … s).
  await page.fill('[data-testid=state-slide]', '3');
  const whatIf = await page.textContent('[data-testid=state-what-if]');
  const m = whatIf.match(/With a slide of 1 s: 10 windows per instant; sliced ([\d.]+) (B|KiB), per window ([\d.]+) (B|KiB) \(([\d.]+)×\)/);
  assert.ok(m, whatIf);
  assert.ok(Number(m[5]) > 2, `per-window state is several times the sliced state: ${whatIf}`);
  assert.deepEqual(errors, []);
});

test('teaching view: event time × processing time, and what a longer watermark delay buys and costs', async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: 390, height: 844 });
  await page.click('[data-testid=time-plot] summary');
  await next(page, 25);
  await page.click('[data-testid=lesson-too-late]');
  await next(page, 5);
  const sales = await page.locator('[data-testid=time-plot-sale]').count();
  assert.ok(sales >= 30, `every kept sale is a dot: ${sales}`);
  const at = async (i) => {
    await page.fill('[data-testid=time-plot-delay]', String(i));
    const text = await page.textContent('[data-testid=time-plot-summary]');
    const m = text.match(/With a delay of ([\d.]+) s: (\d+) of (\d+) sales late \((\d+) joined the windows still open, (\d+) in none\); windows fired ([\d.]+) s after their end on average/);
    assert.ok(m, text);
    return { late: Number(m[2]), dropped: Number(m[5]), mean: Number(m[6]) };
  };
  const none = await at(0);
  const long = await at(6);
  assert.ok(none.dropped >= 1, 'the too-late sale is in no window without a delay');
  assert.ok(long.late <= none.late, `a longer delay, fewer late sales: ${JSON.stringify([none, long])}`);
  assert.ok(long.mean > none.mean, `… and windows fire later: ${JSON.stringify([none, long])}`);
  assert.match(await page.getAttribute('[data-testid=time-plot-svg]', 'aria-label'), /With a delay of 10 s/);
  assert.deepEqual(errors, []);
});

for (const [w, h] of SIZES) {
  test(`teaching view: the query beside the picture follows the settings; a row and its bar are one selection (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: w, height: h });
    // Before any sale: no bar says "0", and the status line is about the lesson, not panes.
    assert.equal(await page.locator('[data-testid=window-bar] text.wlabel').count(), 0, 'no "0" on empty bars');
    assert.doesNotMatch(await page.textContent('[data-testid=lesson-status]'), /panes|gcd/);
    // The legend names every mark in words (a shape or a sign as well as a colour).
    const legend = await page.textContent('[data-testid=legend]');
    for (const words of ['late', 'too late', 'open window (dashed)', 'fired window (solid)', 'empty window', 'outlined', 'the watermark']) {
      assert.ok(legend.includes(words), `legend: ${words}`);
    }
    // Live regions only where something changes that a listener needs to hear.
    const live = await page.evaluate(() => [...document.querySelectorAll('.teach [aria-live]')].map((e) => e.dataset.testid || e.tagName));
    assert.ok(!live.includes('SECTION'), `no whole panel is a live region: ${live}`);
    await next(page, 14);
    const sql = () => page.textContent('[data-testid=sql-text]');
    assert.match(await sql(), /HOP\(TABLE sales, DESCRIPTOR\(sale_ts\), INTERVAL '2' SECOND, INTERVAL '10' SECOND\)/);
    assert.match(await sql(), /WATERMARK FOR sale_ts AS sale_ts - INTERVAL '2' SECOND/);
    await setField(page, 'lesson-delay', '3s');
    await page.waitForFunction(() => /sale_ts - INTERVAL '3' SECOND/.test(document.querySelector('[data-testid=sql-text]').textContent));
    // Every row is a fired bar with sales; every fired bar with sales has its row.
    const rows = await tableRows(page);
    assert.ok(rows.length >= 3, `${rows.length} rows`);
    const rowStarts = await page.locator('[data-testid=sql-row]').evaluateAll((rs) => rs.map((r) => r.dataset.start));
    for (const s of rowStarts) {
      assert.equal(await page.getAttribute(`[data-testid=window-bar][data-start="${s}"]`, 'data-state'), 'fired', `bar ${s}`);
    }
    const firedWithSales = await page.locator('[data-testid=window-bar][data-state=fired]').evaluateAll(
      (bs) => bs.filter((b) => Number(b.querySelector('text')?.textContent ?? 0) > 0).map((b) => b.dataset.start));
    for (const s of firedWithSales) assert.ok(rowStarts.includes(s), `row for fired bar ${s}`);
    // Row → bar and inspector: the inspector's sales are the row's.
    const pick = rowStarts[Math.floor(rowStarts.length / 2)];
    const row = page.locator(`[data-testid=sql-row][data-start="${pick}"]`);
    await row.click();
    assert.match(await page.getAttribute(`[data-testid=window-bar][data-start="${pick}"]`, 'class'), /\bselected\b/);
    assert.equal(await page.getAttribute('[data-testid=inspector]', 'data-start'), pick);
    const cells = await row.evaluate((r) => [...r.cells].map((c) => c.textContent));
    assert.equal(await page.getAttribute('[data-testid=inspector-sales]', 'data-count'), cells[3]);
    assert.equal(await page.getAttribute('[data-testid=inspector-sales]', 'data-sum'), cells[4]);
    assert.match(await page.textContent('[data-testid=inspector-state]'), /^Fired at clock [\d.]+ s, when the watermark reached/);
    // Bar → row.
    const other = rowStarts[0];
    await page.click(`[data-testid=window-bar][data-start="${other}"]`);
    await page.waitForFunction((s) => document.querySelector(`[data-testid=sql-row][data-start="${s}"]`)?.classList.contains('selected'), other);
    assert.equal(await page.locator('[data-testid=sql-row].selected').count(), 1);
    // Copy: the clipboard gets the SQL exactly as shown.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    await page.click('[data-testid=sql-copy]');
    await page.waitForFunction(() => document.querySelector('[data-testid=sql-copied]').textContent === 'Copied.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await sql());
    // The same window in other systems' syntax, each with its own argument order.
    await page.click('[data-testid=other-systems] summary');
    const code = (sys) => page.textContent(`[data-testid=other-system][data-system="${sys}"] code`);
    assert.equal(await code('Spark Structured Streaming'), 'window(col("sale_ts"), "10 seconds", "2 seconds")');
    assert.equal(await code('ksqlDB'), 'WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)');
    assert.match(await code('Flink SQL (window TVF)'), /INTERVAL '2' SECOND, INTERVAL '10' SECOND/);
    await page.click('[data-testid=other-system][data-system="Kafka Streams"] button');
    await page.waitForFunction(() => document.querySelector('[data-testid=sql-copied]').textContent === 'Copied.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()),
      'TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10)).advanceBy(Duration.ofSeconds(2))');
    await page.screenshot({ path: shot(`teach-sql-${w}`), fullPage: true });
    assert.deepEqual(errors, []);
  });

  test(`teaching view: the Flink badge says what Flink's window TVF accepts, and the SQL takes the form it accepts (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&seed=3`, { width: w, height: h });
    const badge = page.locator('[data-testid=flink-badge]');
    assert.equal(await badge.getAttribute('data-accepted'), 'true');
    assert.match(await badge.textContent(), /accepts this/);
    await setField(page, 'lesson-slide', '3s');
    await page.waitForFunction(() => document.querySelector('[data-testid=flink-badge]').dataset.accepted === 'false');
    const text = await badge.textContent();
    assert.match(text, /HOP table function based aggregate requires size must be an integral multiple of slide, but got size 10000 ms and slide 3000 ms/);
    assert.match(text, /slide 2s or slide 5s with size 10s, or size 9s or size 12s with slide 3s/);
    assert.match(await page.textContent('[data-testid=sql-text]'), /GROUP BY HOP\(sale_ts, INTERVAL '3' SECOND, INTERVAL '10' SECOND\)/);
    // The guide's divisibility step says so, in the current numbers.
    for (let i = 0; i < 2; i++) await page.click('[data-testid=guide-next]');
    const guide = await page.textContent('[data-testid=guide-text]');
    assert.match(guide, /10s ÷ 3s = 3\.33 is not whole, so a sale is in 3 or 4 windows/);
    assert.match(guide, /refuses this shape/);
    await page.screenshot({ path: shot(`teach-flink-refused-${w}`) });
    assert.deepEqual(errors, []);
  });

  test(`teaching view: the window inspector names why each nearby sale is not in the window (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: w, height: h });
    await next(page, 12);
    await page.click('[data-testid=lesson-late]');
    await page.click('[data-testid=lesson-too-late]');
    // The late sale: open the first window it missed from its list.
    await page.locator('[data-testid=event-dot][data-late=true][data-dropped=false]').click();
    const lateId = await page.locator('[data-testid=event-dot][data-late=true][data-dropped=false]').getAttribute('data-id');
    await page.locator('[data-testid=selection-window-state] button', { hasText: 'missed' }).first().click();
    const reason = (r) => page.locator(`[data-testid=inspector-outside][data-reason=${r}]`);
    assert.equal(await reason('arrived-after-fired').getAttribute('data-id'), lateId);
    assert.match(await reason('arrived-after-fired').textContent(), /after this window fired/);
    assert.ok(await reason('before-start').count() >= 1, 'a sale just before its start');
    // The too-late sale: inside a window, dropped.
    const dropped = page.locator('[data-testid=event-dot][data-dropped=true]');
    await dropped.click();
    await page.locator('[data-testid=selection-window-state] button').first().click();
    assert.equal(await reason('dropped').getAttribute('data-id'), await dropped.getAttribute('data-id'));
    // Bounds: a sale put at exactly an open window's end is not in it.
    const open = await page.locator('[data-testid=window-bar][data-state=open]').evaluateAll((bs) => bs.map((b) => +b.dataset.start));
    const pick = Math.min(...open);
    await page.click(`[data-testid=window-bar][data-start="${pick}"]`);
    assert.match(await page.textContent('[data-testid=inspector-bounds]'), /Half-open/);
    assert.match(await page.textContent('[data-testid=inspector-bounds]'), new RegExp(`${pick / 1000} s = ${pick / 2000} × 2s`));
    const count0 = Number(await page.getAttribute('[data-testid=inspector-sales]', 'data-count'));
    await page.click('[data-testid=inspector-inject-end]');
    const edgeId = Math.max(...await page.locator('[data-testid=event-dot]').evaluateAll((ds) => ds.map((d) => +d.dataset.id)));
    const edge = page.locator(`[data-testid=inspector-outside][data-id="${edgeId}"]`);
    assert.equal(await edge.getAttribute('data-reason'), 'at-or-after-end');
    assert.match(await edge.textContent(), new RegExp(`at ${(pick + 10000) / 1000} s: exactly at its end: not in it`));
    assert.equal(Number(await page.getAttribute('[data-testid=inspector-sales]', 'data-count')), count0);
    assert.match(await page.textContent('[data-testid=inspector-state]'), /Open: it fires when the watermark reaches .* a sale dated [\d.]+ s or later moves it there/);
    // The address names the window: opened elsewhere, the same window and the same sales.
    const url = page.url();
    assert.match(url, new RegExp(`window=${pick / 1000}s&at=`));
    const again = await openPage(browser, url, { width: w, height: h });
    assert.equal(await again.page.getAttribute('[data-testid=inspector]', 'data-start'), String(pick));
    assert.ok(Number(await again.page.getAttribute('[data-testid=inspector-sales]', 'data-count')) <= count0 + 1);
    await page.screenshot({ path: shot(`teach-inspector-${w}`), fullPage: true });
    assert.deepEqual([...errors, ...again.errors], []);
  });

  test(`teaching view: processing time shows no watermark, disables the late buttons with the reason, keeps the late history (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: w, height: h });
    await next(page, 12);
    await page.click('[data-testid=lesson-late]');
    const lateId = await page.locator('[data-testid=event-dot][data-late=true]').getAttribute('data-id');
    await page.selectOption('[data-testid=lesson-time]', 'processing');
    await page.waitForSelector('[data-testid=lesson-processing-note]');
    assert.equal(await page.locator('[data-testid=watermark]').count(), 0, 'no watermark line');
    assert.doesNotMatch(await page.textContent('[data-testid=lesson-status]'), /watermark/);
    for (const id of ['lesson-late', 'lesson-too-late', 'lesson-end']) {
      assert.ok(await page.locator(`[data-testid=${id}]`).isDisabled(), id);
    }
    assert.match(await page.getAttribute('[data-testid=lesson-late]', 'title'), /nothing is ever late/);
    assert.match(await page.textContent('[data-testid=lesson-switch]'), /Switched from event time to processing time, same sales: before, \d+ windows? had rows \(1 late, 0 dropped\); now \d+/);
    const dot = page.locator(`[data-testid=event-dot][data-id="${lateId}"]`);
    assert.match(await dot.getAttribute('class'), /\bwas-late\b/);
    await dot.click();
    assert.match(await page.textContent('[data-testid=selection-before]'), /Before the switch of time it was late/);
    assert.match(await page.textContent('[data-testid=sql-text]'), /sale_ts AS PROCTIME\(\)/);
    await page.screenshot({ path: shot(`teach-processing-${w}`), fullPage: true });
    assert.deepEqual(errors, []);
  });
}

for (const [w, h] of SIZES) test(`teaching view: End of input fires every window with sales, as a bounded source does (${w}px)`, async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&seed=3`, { width: w, height: h });
  await next(page, 10);
  const openWithSales = await page.locator('[data-testid=window-bar][data-state=open]').evaluateAll(
    (bs) => bs.filter((b) => b.querySelector('text.wlabel')).map((b) => b.dataset.start));
  assert.ok(openWithSales.length > 0);
  await page.click('[data-testid=lesson-end]');
  await page.waitForSelector('[data-testid=lesson-ended]');
  for (const s of openWithSales) {
    assert.equal(await page.getAttribute(`[data-testid=window-bar][data-start="${s}"]`, 'data-state'), 'fired', s);
    assert.equal(await page.locator(`[data-testid=sql-row][data-start="${s}"]`).count(), 1, `row ${s}`);
  }
  assert.match(await page.textContent('[data-testid=lesson-status]'), /watermark \+∞ \(end of input\)/);
  assert.ok(await page.locator('[data-testid=lesson-next]').isDisabled());
  await page.click(`[data-testid=window-bar][data-start="${openWithSales.at(-1)}"]`);
  assert.match(await page.textContent('[data-testid=inspector-state]'), /Fired at the end of input/);
  assert.deepEqual(errors, []);
});

for (const [w, h] of SIZES) {
  test(`teaching view: the same sales under TUMBLE, HOP, CUMULATE and SESSION, each with its SQL, rows and late sales (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: w, height: h });
    await next(page, 20);
    await page.click('[data-testid=lesson-too-late]');
    await next(page, 3);
    await page.click('[data-testid=kinds] > summary');
    await page.waitForSelector('[data-testid=kinds-svg]');
    const lanes = await page.locator('[data-testid=kind-lane]').evaluateAll((ls) => ls.map((l) => l.dataset.kind));
    assert.deepEqual(lanes, ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION']);
    const windows = async (kind) => page.locator(`[data-testid=kind-window][data-kind=${kind}]`).count();
    const summary = async (kind) => page.textContent(`[data-testid=kind][data-kind=${kind}] [data-testid=kind-summary]`);
    // HOP 10 s / 2 s holds five windows per instant, TUMBLE one: more windows for the same sales.
    assert.ok(await windows('HOP') > 2 * await windows('TUMBLE'), `${await windows('HOP')} HOP windows, ${await windows('TUMBLE')} TUMBLE`);
    assert.match(await summary('CUMULATE'), /^CUMULATE by 2 s to 10 s: \d+ rows?, \d+ windows? open; \d+ late sales? joined windows not fired, \d+ in none$/);
    // When each row was emitted: the sale whose arrival moved the watermark past its end.
    await page.click('[data-testid=kind][data-kind=HOP] summary');
    assert.match(await page.locator('[data-testid=kind][data-kind=HOP] [data-testid=kind-row-fired]').first().textContent(),
      /^when the sale at -?[\d.]+ s arrived \(clock [\d.]+ s\)$/);
    // The too-late sale is in no TUMBLE window (its one window fired long ago).
    assert.match(await summary('TUMBLE'), /, 1 in none$/);
    // The SQL of each names its table function with the lesson's source table.
    for (const [kind, call] of [['TUMBLE', "TUMBLE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '10' SECOND)"],
      ['CUMULATE', "CUMULATE(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"],
      ['SESSION', "SESSION(TABLE sales, DESCRIPTOR(sale_ts), INTERVAL '2' SECOND)"]]) {
      const sql = await page.textContent(`[data-testid=kind][data-kind=${kind}] [data-testid=kind-sql]`);
      assert.ok(sql.includes(call) && sql.includes("WATERMARK FOR sale_ts AS sale_ts - INTERVAL '2' SECOND"), `${kind}: ${sql}`);
    }
    // A longer gap merges sessions: fewer of them. Per seller, a session per seller and a seller column.
    const sessions2 = await windows('SESSION');
    await page.selectOption('[data-testid=kinds-gap]', { label: '10 s' });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=kind-window][data-kind=SESSION]').length < n, sessions2);
    await page.check('[data-testid=kinds-per-seller]');
    const sql = await page.textContent('[data-testid=kind][data-kind=SESSION] [data-testid=kind-sql]');
    assert.ok(sql.includes('SESSION(TABLE sales PARTITION BY seller, DESCRIPTOR(sale_ts), INTERVAL \'10\' SECOND)'), sql);
    await page.click('[data-testid=kind][data-kind=SESSION] summary');
    const head = await page.locator('[data-testid=kind][data-kind=SESSION] th').allTextContents();
    assert.deepEqual(head.slice(8), ['seller', 'emitted'], 'the SQL\'s seller column, then when each row was emitted');
    await page.locator("[data-testid=kinds]").screenshot({ path: shot(`teach-kinds-${w}`) });
    // Nothing wider than the page on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scroll: ${overflow}px`);
    // The seed's 15 min / 1 s: 900 windows per sale — a readable lane, and the page stays responsive.
    await page.goto(`${srv.base}?tab=teach&size=15m&slide=1s&seed=2`);
    await next(page, 8);
    await page.click('[data-testid=kinds] > summary');
    await page.waitForSelector('[data-testid=kinds-svg]');
    assert.match(await page.textContent('[data-testid=kind-lane][data-kind=HOP] .lane-label'), /the first 24 rows of \d+ drawn/);
    assert.ok(await page.locator('[data-testid=kind-window][data-kind=HOP]').count() <= 24 * 40, 'a bounded drawing');
    assert.deepEqual(errors, []);
  });
}

/// Runs tests/flink/lesson_sql.py; resolves with its JSON lines.
function runFlink(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['tests/flink/lesson_sql.py', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`lesson_sql.py exited ${code}: ${err.split('\n').filter((l) => !/WARN/.test(l)).slice(-15).join('\n')}`));
      else resolve(out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)));
    });
  });
}

const flinkHere = fs.existsSync(PYTHON);
test('the lesson\'s SQL, run unchanged in Apache Flink on the lesson\'s sales file, gives the rows the page shows', {
  skip: !flinkHere && process.env.HOPSCOPE_REQUIRE_KAFKA !== '1' ? 'no PyFlink here (scripts/setup.sh test installs it)' : false,
  timeout: 600_000,
}, async () => {
  const cases = [];
  const refusedBadge = {};
  for (const [size, slide] of [['10s', '2s'], ['10s', '3s']]) {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=${size}&slide=${slide}&delay=2s&seed=5`, { width: 1280, height: 800 });
    // In-order sales, then out-of-order, late and too-late ones, more sales, the end.
    await next(page, 12);
    await page.click('[data-testid=lesson-ooo]');
    await page.click('[data-testid=lesson-late]');
    await page.click('[data-testid=lesson-too-late]');
    await next(page, 6);
    await page.click('[data-testid=lesson-end]');
    assert.match(await page.textContent('[data-testid=lesson-status]'), /· [12] late · 1 dropped ·/);
    await page.selectOption('[data-testid=sql-source]', 'file');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lesson-${slide}-`));
    fs.writeFileSync(path.join(dir, 'lesson.sql'), await page.textContent('[data-testid=sql-text]'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=sql-download]')]);
    assert.equal(download.suggestedFilename(), 'lesson-sales.jsonl');
    await download.saveAs(path.join(dir, 'lesson-sales.jsonl'));
    const rows = await tableRows(page);
    assert.ok(rows.length > 5 && rows.length < 40, `${rows.length} rows, all drawn`);
    cases.push({ dir, rows, slide });
    // The other window kinds on the same sales: each kind's SQL beside the same file.
    await page.click('[data-testid=kinds] > summary');
    if (slide === '3s') {
      await page.selectOption('[data-testid=kinds-gap]', { label: '3 s' });
      await page.check('[data-testid=kinds-per-seller]');
    }
    for (const kind of ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION']) {
      const k = page.locator(`[data-testid=kind][data-kind=${kind}]`);
      await k.locator('summary').click();
      const kdir = fs.mkdtempSync(path.join(os.tmpdir(), `lesson-${slide}-${kind}-`));
      fs.writeFileSync(path.join(kdir, 'lesson.sql'), await k.locator('[data-testid=kind-sql]').textContent());
      fs.copyFileSync(path.join(dir, 'lesson-sales.jsonl'), path.join(kdir, 'lesson-sales.jsonl'));
      // The first eight columns: lesson_sql.py reads those (a partitioned session's ninth is the seller).
      const krows = (await k.locator('[data-testid=kind-row]').evaluateAll((rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)))).map((r) => r.slice(0, 8));
      assert.ok(krows.length > 0 && krows.length < 60, `${kind}: ${krows.length} rows, all listed`);
      const summary = await k.locator('[data-testid=kind-summary]').textContent();
      assert.match(summary, /, 0 windows open;/, `${kind}: the end of input fired every window: ${summary}`);
      assert.ok((await k.locator('[data-testid=kind-row-fired]').allTextContents()).includes('at the end of input'), `${kind}: the newest rows came with the end of input`);
      cases.push({ dir: kdir, rows: krows, slide: `${slide} ${kind}${slide === '3s' && kind === 'SESSION' ? ' PARTITION BY seller, gap 3 s' : ''}` });
    }
    if (slide === '3s') refusedBadge.text = await page.textContent('[data-testid=flink-badge]');
    assert.deepEqual(errors, []);
    await page.close();
  }
  const out = await runFlink([...cases.map((c) => c.dir), '--tvf', '10000', '3000']);
  const byCase = Object.fromEntries(out.filter((o) => o.case).map((o) => [o.case, o.rows]));
  const sort = (rows) => [...rows].map((r) => r.map(String)).sort((a, b) => a.join('|').localeCompare(b.join('|')));
  for (const c of cases) {
    const flink = byCase[path.resolve(c.dir)];
    assert.ok(flink, `Flink ran ${c.dir}`);
    assert.deepEqual(sort(c.rows), sort(flink), `slide ${c.slide}: the page's rows are Flink's`);
    assert.ok(flink.length > 0, `slide ${c.slide}: Flink emitted rows`);
    console.log(`slide ${c.slide}: ${flink.length} rows equal to Flink's`);
  }
  const refusal = out.find((o) => 'tvf_error' in o).tvf_error;
  assert.ok(refusal && refusedBadge.text.includes(refusal), `the badge quotes Flink: ${refusal}`);
  for (const c of cases) fs.rmSync(c.dir, { recursive: true, force: true });
});

for (const [w, h] of SIZES) {
  test(`teaching view: partitions as lanes, each with its watermark; the log says what moved the operator's; scroll back; UTC axis (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=1s&seed=3`, { width: w, height: h });
    await next(page, 20);
    await page.selectOption('[data-testid=lesson-parts]', '3');
    await page.waitForSelector('[data-testid=partition-lane]');
    assert.match(await page.textContent('[data-testid=lesson-log-entry]'), /read from 3 partitions: the sales replayed from the start, as a new job would/);
    assert.equal(await page.locator('[data-testid=partition-lane]').count(), 3);
    // Every dot sits in its partition's lane.
    const lanesY = await page.locator('[data-testid=partition-lane] rect').evaluateAll((rs) => rs.map((r) => [+r.getAttribute('y'), +r.getAttribute('y') + +r.getAttribute('height')]));
    const dots = await page.locator('[data-testid=event-dot]').evaluateAll((ds) => ds.map((d) => +d.querySelector('circle').getAttribute('cy')));
    assert.ok(dots.every((y) => lanesY.some(([a, b]) => y > a && y < b)), 'dots inside lanes');
    await page.click('[data-testid=lesson-pause-1]');
    assert.equal(await page.getAttribute('[data-testid=partition-lane][data-partition="1"]', 'data-state'), 'held');
    assert.match(await page.textContent('[data-testid=lesson-log-entry]'), /p1 held back/);
    // Silent for the idle timeout, the held partition is left out: the log says so and
    // what it fired.
    for (let i = 0; i < 12 && await page.getAttribute('[data-testid=partition-lane][data-partition="1"]', 'data-state') !== 'idle'; i++) {
      await page.click('[data-testid=lesson-step]');
    }
    assert.equal(await page.getAttribute('[data-testid=partition-lane][data-partition="1"]', 'data-state'), 'idle');
    const log = await page.locator('[data-testid=lesson-log-entry]').allTextContents();
    assert.ok(log.some((l) => /p1 idle \(silent 15s\+, left out of the minimum\).* → watermark [\d.]+ s → [\d.]+ s, \d+ windows? fired/.test(l)), log.join('\n'));
    await page.click('[data-testid=lesson-pause-1]');
    assert.match(await page.textContent('[data-testid=lesson-log-entry]'), /p1 released: \d+ held sales? arrives?/);
    // Back through time to the first sale, and to now again.
    for (let i = 0; i < 10 && await page.locator('[data-testid=event-dot][data-id="1"]').count() === 0; i++) {
      await page.click('[data-testid=timeline-earlier]');
    }
    assert.equal(await page.locator('[data-testid=event-dot][data-id="1"]').count(), 1, 'the first sale is on the picture again');
    assert.match(await page.textContent('[data-testid=timeline-back]'), /[\d.]+ s back/);
    await page.click('[data-testid=timeline-now]');
    assert.equal(await page.locator('[data-testid=timeline-back]').count(), 0);
    await page.click('[data-testid=timeline-utc]');
    const ticks = await page.locator('.timeline-box svg.timeline text.tick:not(.left)').allTextContents();
    assert.ok(ticks.length >= 3 && ticks.every((t) => /^\d\d:\d\d:\d\d$/.test(t)), ticks.join(' '));
    await page.screenshot({ path: shot(`teach-partitions-${w}`), fullPage: true });
    assert.deepEqual(errors, []);
  });
}

for (const [w, h] of SIZES) {
  test(`teaching view: one tab stop for the bars and one for the sales, the arrow keys move inside; headings never skip a level (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&seed=3`, { width: w, height: h });
    await next(page, 12);
    assert.equal(await page.locator('[data-testid=window-bar][tabindex="0"]').count(), 1);
    assert.equal(await page.locator('[data-testid=event-dot][tabindex="0"]').count(), 1);
    const active = () => page.evaluate(() => ({ ...document.activeElement.dataset }));
    const first = Number(await page.getAttribute('[data-testid=window-bar][tabindex="0"]', 'data-start'));
    await page.focus('[data-testid=window-bar][tabindex="0"]');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((s) => document.activeElement?.dataset?.start === String(s), first + 2000);
    assert.equal(await page.getAttribute('[data-testid=inspector]', 'data-start'), String(first + 2000));
    assert.equal(await page.locator('[data-testid=window-bar][tabindex="0"]').count(), 1, 'the stop moved with the keys');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((s) => document.activeElement?.dataset?.start === String(s), first);
    // The sales: the newest is the stop; ArrowLeft selects and focuses the one before it.
    const newest = await page.getAttribute('[data-testid=event-dot][tabindex="0"]', 'data-id');
    await page.focus('[data-testid=event-dot][tabindex="0"]');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((id) => document.activeElement?.dataset?.id && document.activeElement.dataset.id !== id, newest);
    const { id } = await active();
    assert.match(await page.textContent('[data-testid=selection] h2'), new RegExp(`^Sale ${id}:`));
    const levels = await page.evaluate(() => [...document.querySelectorAll('h1, h2, h3, h4')].map((e) => Number(e.tagName[1])));
    for (let k = 1; k < levels.length; k++) assert.ok(levels[k] <= levels[k - 1] + 1, `heading levels ${levels.join(',')}`);
    assert.deepEqual(errors, []);
  });
}

test('docs/teach-a-class.md: every link opens, and the windows it quotes say what the plan says', async () => {
  const plan = fs.readFileSync('docs/teach-a-class.md', 'utf8');
  const links = [...new Set([...plan.matchAll(/`HOST\/(\?[^`]+)`/g)].map((m) => m[1]))];
  assert.ok(links.length >= 5, `${links.length} links`);
  for (const q of links) {
    const { page, errors } = await openPage(browser, `${srv.base}${q}`, { width: 1280, height: 800 });
    const params = new URLSearchParams(q);
    if (params.get('window')) {
      const start = parseFloat(params.get('window')) * 1000;
      assert.equal(await page.getAttribute('[data-testid=inspector]', 'data-start'), String(start), q);
      // The plan quotes the inspector of its windows: those words are on the page.
      const state = await page.textContent('[data-testid=inspector-state]');
      const row = plan.split('\n').find((l) => l.includes(q));
      for (const [, quoted] of row.matchAll(/"([^"]*(?:Fired|Open)[^"]*)"/g)) {
        for (const part of quoted.split(' … ')) assert.ok(state.includes(part.replace(/^Open: /, 'Open: ')), `${q}: "${part}" in "${state}"`);
      }
    }
    if (params.get('parts') === '3') assert.equal(await page.locator('[data-testid=partition-lane]').count(), 3);
    if (params.get('sales')) assert.match(await page.textContent('[data-testid=lesson-scripted]'), /the link's \d+ sales play in the order written/, q);
    if (params.get('exercise')) assert.equal(await page.getAttribute('[data-testid=exercise]', 'data-id'), params.get('exercise'), q);
    if (params.get('set')) {
      const listed = await page.locator('[data-testid=exercise-item]').evaluateAll((bs) => bs.map((b) => b.dataset.id));
      assert.deepEqual(listed, params.get('set').split(','), q);
    }
    if (params.get('at')) assert.match(await page.textContent('[data-testid=lesson-status]'), new RegExp(`clock ${parseFloat(params.get('at'))} s`));
    assert.deepEqual(errors, [], q);
    await page.close();
  }
});

for (const [w, h] of SIZES) {
  test(`dashboard: the window inspector shows a window's bounds, when it fired and its row, and steps through the newest windows (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?speed=60&seed=3`, { width: w, height: h });
    await page.waitForFunction(() => !document.querySelector('[data-testid=kpi-sales] .kpi-value').textContent.includes('—'));
    // Two windows at least, so there is an older one to step to.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-sales]')?.dataset.points || 0) >= 2);
    await page.click('[data-testid=pause]');
    const sales = (await page.textContent('[data-testid=kpi-sales] .kpi-value')).trim();
    const range = await page.textContent('[data-testid=window-range]');
    await page.click('[data-testid=inspect-newest]');
    const inspector = page.locator('[data-testid=window-inspector]');
    assert.equal(await page.getAttribute('[data-testid=window-inspector-row]', 'data-sales'), sales);
    assert.match(await inspector.locator('h2').textContent(), new RegExp(`^Window \\[${range.split(' → ')[0].replace(/[.]/g, '\\.')}`));
    assert.match(await page.textContent('[data-testid=window-inspector-bounds]'), /Half-open, 15 min long: .* A window starts every 1s/);
    assert.match(await page.textContent('[data-testid=window-inspector-fired]'), /fired when the clock passed its end/);
    const start = Number(await inspector.getAttribute('data-start'));
    await page.click('[data-testid=inspect-older]');
    assert.equal(Number(await inspector.getAttribute('data-start')), start - 1000, 'one slide older');
    await page.click('[data-testid=inspect-newer]');
    assert.equal(Number(await inspector.getAttribute('data-start')), start);
    await page.click('[data-testid=inspect-close]');
    assert.equal(await inspector.count(), 0);
    // A click on the chart opens the window drawn there: the newest at its right edge.
    const pick = page.locator('[data-testid=chart-sales-pick]');
    const b = await pick.boundingBox();
    await pick.click({ position: { x: b.width - 1, y: b.height / 2 } });
    assert.equal(Number(await inspector.getAttribute('data-start')), start, 'the newest window');
    await pick.click({ position: { x: 1, y: b.height / 2 } });
    assert.ok(Number(await inspector.getAttribute('data-start')) < start, 'an older window');
    assert.deepEqual(errors, []);
  });
}

test('teaching view on a phone: the picture, the selection and the tip share one screen; every target is at least 24 px', async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&seed=2`, { width: 390, height: 844 });
  await next(page, 12);
  await page.locator('[data-testid=event-dot]').last().click();
  const box = (q) => page.evaluate((q) => { const r = document.querySelector(q).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: r.height, width: r.width }; }, q);
  const picture = await box('svg.timeline');
  const tip = await box('[data-testid=guide] summary');
  assert.ok(tip.bottom - picture.top <= 844, `picture top to tip bottom: ${Math.round(tip.bottom - picture.top)} px`);
  assert.ok((await box('[data-testid=selection]')).top > picture.bottom, 'the selection is under the picture');
  // The tip opens to its text, and steps without closing.
  await page.click('[data-testid=guide] summary h2');
  await page.waitForFunction(() => document.querySelector('[data-testid=guide]').open);
  await page.click('[data-testid=guide-next]');
  assert.ok(await page.evaluate(() => document.querySelector('[data-testid=guide]').open));
  assert.match(await page.textContent('[data-testid=guide] h2'), /^2\. /);
  // Touch targets: every button of the lesson, and every sale's target.
  const small = await page.evaluate(() => [...document.querySelectorAll('.teach button')]
    .filter((b) => b.offsetParent && b.getBoundingClientRect().height < 24).map((b) => b.textContent));
  assert.deepEqual(small, []);
  const hits = await page.locator('.hits .hit').evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect().width));
  assert.ok(hits.length > 0 && hits.every((w) => w >= 24), `sale targets ${hits.join(',')}`);
  await page.screenshot({ path: shot('teach-phone-first-screen') });
  assert.deepEqual(errors, []);
});
