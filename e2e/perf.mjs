// Page performance in headless Chromium (a measurement, not a test): frames per second
// while the simulator runs 1,000 sales per simulated second, and the release page weight.
//   node e2e/perf.mjs   (after `trunk build --release`)
import fs from 'node:fs';
import zlib from 'node:zlib';
import { serveDist, launch, openPage } from './harness.mjs';

const srv = await serveDist();
const browser = await launch();
const line = ['page_perf'];
for (const speed of [1, 10]) {
  const { page } = await openPage(browser, `${srv.base}?rate=1000&speed=${speed}&seed=1`);
  await page.waitForTimeout(1000);
  const fps = await page.evaluate(() => new Promise((done) => {
    let frames = 0; const t0 = performance.now();
    const f = () => { frames++; if (performance.now() - t0 < 5000) requestAnimationFrame(f); else done(frames / ((performance.now() - t0) / 1000)); };
    requestAnimationFrame(f);
  }));
  line.push(`fps_rate1000_speed${speed}=${fps.toFixed(1)}`);
  await page.close();
}
const gz = fs.readdirSync('dist').reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(`dist/${f}`)).length, 0);
line.push(`release_gzip_bytes=${gz}`);
console.log(line.join(' '));
await browser.close();
srv.server.close();
