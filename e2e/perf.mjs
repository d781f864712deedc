// Page performance in headless Chromium (a measurement, not a test): frames per second,
// worst frame and how long a click takes to show, at the defaults and at the heaviest
// settings the UI accepts; how long the teaching view takes to draw at the seed's own
// query; main-thread script time per second where little changes (what redrawing only
// what changed saves); and the release page weight.
//   node e2e/perf.mjs   (after `trunk build --release`; DIST=dir measures another build)
import fs from 'node:fs';
import zlib from 'node:zlib';
import { serveDist, launch, openPage } from './harness.mjs';

/** Frames per second and the longest frame over `ms`, measured in the page. */
async function frames(page, ms = 5000) {
  return page.evaluate((ms) => new Promise((done) => {
    let n = 0, worst = 0, last = performance.now();
    const t0 = last;
    const f = () => {
      const t = performance.now();
      worst = Math.max(worst, t - last); last = t; n++;
      if (t - t0 < ms) requestAnimationFrame(f); else done({ fps: n / ((t - t0) / 1000), worst });
    };
    requestAnimationFrame(f);
  }), ms);
}

/** Milliseconds from a click on the 1× speed button until it shows as pressed. */
async function clickLatency(page) {
  return page.evaluate(() => new Promise((done) => {
    const button = document.querySelector('[data-testid="speed-1"]');
    if (!button) return done(-1);
    const t0 = performance.now();
    button.click();
    const poll = () => {
      if (button.getAttribute('aria-pressed') === 'true') done(performance.now() - t0);
      else if (performance.now() - t0 > 20000) done(20000);
      else requestAnimationFrame(poll);
    };
    poll();
  }));
}

/** Main-thread script time (ms) per second of wall time over `ms` (Chromium's own count). */
async function scriptPerSecond(page, ms = 5000) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const script = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration').value;
  const s0 = await script();
  await page.waitForTimeout(ms);
  return (await script() - s0) * 1000 / (ms / 1000);
}

const dist = process.env.DIST || 'dist';
const srv = await serveDist(dist);
const browser = await launch();
const line = ['page_perf'];
for (const [rate, speed] of [[1000, 1], [1000, 10], [1000, 3600], [10000, 600], [10000, 3600]]) {
  const { page } = await openPage(browser, `${srv.base}?rate=${rate}&speed=${speed}&seed=1`);
  const t0 = Date.now();
  await page.waitForSelector('[data-testid="sim-clock"]', { timeout: 30000 }).catch(() => {});
  const firstDraw = Date.now() - t0;
  await page.waitForTimeout(1000);
  const { fps, worst } = await frames(page);
  const click = await clickLatency(page);
  const behind = await page.locator('[data-testid="running-behind"]').count();
  line.push(`rate${rate}_speed${speed}: fps=${fps.toFixed(1)} worst_frame_ms=${worst.toFixed(0)} click_ms=${click.toFixed(0)} first_draw_ms=${firstDraw} behind_notice=${behind ? 'yes' : 'no'}`);
  await page.close();
}
// Script time where little changes: the dashboard at 1× (a window fires each second,
// ticks come ten times a second), and the teaching view with the lesson standing still.
for (const [name, query] of [['dashboard_1x', '?speed=1&seed=1'], ['teach_idle', '?tab=teach&seed=1&speed=1'],
  ['teach_15m_1s_idle', '?tab=teach&size=15m&slide=1s&seed=1&speed=1']]) {
  const { page } = await openPage(browser, `${srv.base}${query}`);
  if (name.startsWith('teach')) for (let i = 0; i < 10; i++) await page.click('[data-testid=lesson-next]');
  await page.waitForTimeout(1500);
  line.push(`${name}: script_ms_per_s=${(await scriptPerSecond(page)).toFixed(1)}`);
  await page.close();
}
for (const [size, slide] of [['15m', '1s'], ['1d', '1s'], ['10s', '1ms']]) {
  const { page } = await openPage(browser, `${srv.base}?tab=teach&size=${size}&slide=${slide}&seed=1`);
  const t0 = Date.now();
  await page.waitForSelector('[data-testid="lesson-next"]', { timeout: 60000 }).catch(() => {});
  const drawn = Date.now() - t0;
  const { fps, worst } = await frames(page, 3000);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const tabStops = await page.evaluate(() => document.querySelectorAll('main [tabindex="0"], main button, main a[href], main select, main input').length);
  line.push(`teach_${size}_${slide}: draw_ms=${drawn} fps=${fps.toFixed(1)} worst_frame_ms=${worst.toFixed(0)} page_px=${height} tab_stops=${tabStops}`);
  await page.close();
}
const gz = fs.readdirSync(dist).reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(`${dist}/${f}`)).length, 0);
line.push(`release_gzip_bytes=${gz}`);
console.log(line.join('\n  '));
await browser.close();
srv.server.close();
