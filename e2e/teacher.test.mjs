// Teacher mode, in Debian's Chromium: a scripted sale sequence from a link (and a link
// copied from any lesson that plays exactly its sales again), the presenter view (large
// type, the picture and one prompt), and a printable one-page summary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { serveDist, launch, openPage, shot } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serveDist(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const status = (page) => page.textContent('[data-testid=lesson-status]');
async function next(page, n) {
  for (let i = 0; i < n; i++) await page.click('[data-testid=lesson-next]');
}

test('teacher: a link scripts the exact sales; a lesson copies its own sales as such a link', async () => {
  const script = '1:10:ana,3:20:bo,7:5.5:ana,0.5@9:1:cy';
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&sales=${encodeURIComponent(script)}`, { width: 1280, height: 800 });
  assert.match(await page.textContent('[data-testid=lesson-scripted]'), /the link's 4 sales play in the order written/);
  await next(page, 6);
  // Exactly the four, the last one late (its two oldest windows had fired), nothing generated.
  assert.match(await status(page), /· 4 events · 1 late · 0 dropped ·/);
  await page.click('[data-testid=lesson-reset]');
  assert.match(await status(page), /· 0 events ·/);
  await next(page, 4);
  assert.match(await status(page), /· 4 events · 1 late ·/, 'Reset plays them again');
  // A generated lesson, with an injected late sale, copied as a script link, replays the same.
  const gen = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=4`, { width: 1280, height: 800 });
  await next(gen.page, 10);
  await gen.page.click('[data-testid=lesson-late]');
  await next(gen.page, 2);
  const before = (await status(gen.page)).replace(/^clock [\d.]+ s · /, '');
  await gen.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
  await gen.page.click('[data-testid=lesson-script-link]');
  await gen.page.waitForFunction(() => /Link copied/.test(document.querySelector('[data-testid=lesson-link-copied]').textContent));
  const link = await gen.page.evaluate(() => navigator.clipboard.readText());
  assert.ok(link.startsWith(`${srv.base}`) && link.includes('&sales='), link);
  const again = await openPage(browser, link, { width: 1280, height: 800 });
  const n = Number((before.match(/^(\d+) events?/) || [])[1]);
  await next(again.page, n + 2);
  assert.equal((await status(again.page)).replace(/^clock [\d.]+ s · /, ''), before, 'the same sales, the same late ones, the same watermark');
  // A broken script is refused by name, and the lesson still opens.
  const bad = await openPage(browser, `${srv.base}?tab=teach&sales=1:10:ana,x:2:bo`, { width: 1280, height: 800 });
  assert.match(await bad.page.textContent('[data-testid=lesson-script-error]'), /sale 2 \("x:2:bo"\): the time "x" is not a number of seconds/);
  for (const p of [page, gen.page, again.page, bad.page]) await p.close();
  assert.deepEqual([...errors, ...gen.errors, ...again.errors, ...bad.errors], []);
});

for (const [w, h] of [[1280, 800], [390, 844]]) {
  test(`teacher: the presenter view shows the picture and one prompt in large type (${w}px)`, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&seed=2`, { width: w, height: h });
    const normal = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.app')).fontSize));
    await page.click('[data-testid=lesson-present]');
    await page.waitForSelector('[data-testid=presenter]');
    assert.match(page.url(), /present=1/);
    const big = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.app')).fontSize));
    // Large type for a projector; a phone keeps its own size and never scrolls sideways.
    if (w >= 1280) assert.ok(big >= normal * 1.2, `larger type: ${normal} → ${big}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scroll: ${overflow}px`);
    assert.equal(await page.locator('header.top').isVisible(), false, 'no page header');
    for (const gone of ['sql-text', 'kinds', 'state-panel', 'time-plot']) {
      assert.equal(await page.locator(`[data-testid=${gone}]`).count(), 0, `${gone} is not in the presenter view`);
    }
    assert.equal(await page.locator('[data-testid=presenter-prompt]').count(), 1);
    // The prompt is the open exercise when there is one.
    await page.goto(`${srv.base}?tab=teach&present=1&exercise=hop-args`);
    await page.waitForSelector('[data-testid=presenter-prompt] [data-testid=exercise-prompt]');
    await page.screenshot({ path: shot(`teach-presenter-${w}`), fullPage: true });
    await page.click('[data-testid=lesson-present]');
    await page.waitForSelector('[data-testid=sql-text]');
    assert.deepEqual(errors, []);
  });
}

test('teacher: the printed summary is one page: settings, counts, rows, the SQL and the link', async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&size=10s&slide=2s&delay=2s&seed=3`, { width: 1280, height: 800 });
  await next(page, 30);
  await page.click('[data-testid=lesson-late]');
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.locator('[data-testid=print-summary]').isVisible());
  assert.equal(await page.locator('[data-testid=lesson-next]').isVisible(), false, 'no controls on paper');
  assert.ok(await page.locator('.timeline-box svg').first().isVisible(), 'the picture is printed');
  assert.match(await page.textContent('[data-testid=print-settings]'), /^HOP windows of 10 s every 2 s \(5 per sale\), event time, watermark delay 2 s, 1 partition, generated sales, seed 3\.$/);
  assert.match(await page.textContent('[data-testid=print-counts]'), /: 31 sales, 1 late, 0 dropped; \d+ windows fired with sales; watermark [\d.]+ s\./);
  assert.ok(await page.locator('[data-testid=print-row]').count() >= 5);
  assert.match(await page.textContent('[data-testid=print-link]'), /\?tab=teach.*&sales=/);
  const pdf = await page.pdf({ format: 'A4' });
  fs.mkdirSync('target/screenshots', { recursive: true });
  fs.writeFileSync('target/screenshots/teach-summary.pdf', pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, `one page, got ${pages}`);
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await page.locator('[data-testid=print-summary]').isVisible(), false, 'not on screen');
  assert.deepEqual(errors, []);
});
