// The web UI in live mode, end to end: Kafka → `hopscope serve` → WebSocket → the page.
// Needs the broker the test command starts (HOPSCOPE_KAFKA) and target/debug/hopscope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { launch, openPage, shot } from './harness.mjs';

const brokers = process.env.HOPSCOPE_KAFKA;
const bin = process.env.HOPSCOPE_BIN || 'target/debug/hopscope';
let serve, browser, port;
const topic = `e2e-live-${process.pid}-${Date.now()}`;

const freePort = () => new Promise((ok) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
});

// Resolves once serve on `port` relays: it listens at once and answers 503 with the cause
// until Kafka accepts it, then /healthz says ok. `tls`: over https (any certificate).
const listening = async (port, { tls = false, tries = 600 } = {}) => {
  let last = '';
  for (let i = 0; i < tries; i++) {
    last = await new Promise((ok) => {
      const req = (tls ? https : http).get({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false },
        (res) => { let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => ok(`${res.statusCode} ${body}`)); });
      req.on('error', (e) => ok(String(e)));
    });
    if (last.startsWith('200')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`serve on port ${port} never became ready: ${last}`);
};

// `hopscope serve` for topic `t` on `port` with `extra` options, serving dist/.
const startServe = (t, port, extra = []) => spawn(bin,
  ['serve', '--brokers', brokers, '--topic', t, ...extra, '--bind', `127.0.0.1:${port}`, '--web', 'dist'],
  { stdio: 'ignore' });

before(async () => {
  assert.ok(brokers, 'set HOPSCOPE_KAFKA (scripts/kafka.sh start; `make test` does it)');
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', topic, '--no-pace', '--count', '0']);
  port = await freePort();
  serve = startServe(topic, port);
  await listening(port);
  browser = await launch();
});
after(async () => { await browser?.close(); serve?.kill(); });

test('the UI in live mode shows the records that produce wrote', async () => {
  const base = `http://127.0.0.1:${port}/`;
  const { page, errors } = await openPage(browser, `${base}?source=live&ltime=processing&bridge=${encodeURIComponent(`ws://127.0.0.1:${port}/ws`)}`);
  await page.waitForSelector('[data-testid=live-status]', { timeout: 15000 });
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', topic, '--no-pace', '--count', '300', '--seed', '9']);
  await page.waitForFunction(() => /: 300 records \(0 invalid\)/.test(document.querySelector('[data-testid=live-status]')?.textContent || ''),
    null, { timeout: 20000 });
  const status = await page.textContent('[data-testid=live-status]');
  assert.match(status, new RegExp(`topic ${topic}`));
  assert.match(status, /last partition \d offset \d+/);
  // Processing time: the window holding the last batch fires on the next clock tick (≤ 1 s
  // after it arrived), so the KPI reaches 300 then — and must not pass it.
  await page.waitForFunction(() => document.querySelector('[data-testid=kpi-sales] .kpi-value')?.textContent === '300',
    null, { timeout: 10000 });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.textContent('[data-testid=kpi-sales] .kpi-value'), '300');
  await page.screenshot({ path: shot('dashboard-live'), fullPage: true });
  // The teaching view is driven by the same records.
  await page.click('#tab-teach');
  await page.waitForSelector('[data-testid=lesson-live]');
  assert.match(await page.textContent('[data-testid=lesson-status]'), /· 300 events ·/);
  assert.ok(await page.locator('[data-testid=event-dot]').count() > 0);
  await page.screenshot({ path: shot('teach-live'), fullPage: true });
  assert.deepEqual(errors, []);
});

// Many partitions: a topic of 48 partitions is named with its count, every partition is
// declared (the page knows the idle ones), and the view lists the busy ones in rows —
// not 48 cards — with the rest summarised.
test('live mode on a topic of 48 partitions: the partition view names them all and stays compact', async () => {
  const t = `e2e-many-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--partitions', '48', '--no-pace', '--count', '0']);
  const p2 = await freePort();
  const srv = startServe(t, p2);
  try {
    await listening(p2);
    const { page, errors } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&ltime=processing&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`, { width: 390, height: 844 });
    await page.waitForSelector('[data-testid=live-status]', { timeout: 15000 });
    execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '400', '--seed', '3']);
    await page.waitForFunction(() => /: 400 records/.test(document.querySelector('[data-testid=live-status]')?.textContent || ''), null, { timeout: 20000 });
    assert.equal(await page.textContent('[data-testid=partitions-title]'), `Topic ${t}: 48 partitions, key = seller`);
    const rows = await page.locator('[data-testid=partition-rows] li .muted').allTextContents();
    // 16 sellers, each on one partition: at most 16 busy partitions, all listed.
    assert.ok(rows.length >= 1 && rows.length <= 16, `${rows.length} rows`);
    const counted = rows.map((r) => Number(r.match(/^(\d+) sales/)[1])).reduce((a, b) => a + b, 0);
    assert.equal(counted, 400, 'every record in its partition');
    assert.match(await page.textContent('[data-testid=partitions-idle]'), new RegExp(`^${48 - rows.length} of 48 partitions have had no sales yet`));
    // Every sentence is about the live stream: what this page read, no lateness in arrival
    // time, and each partition's lag once the bridge's status has come.
    const summary = await page.textContent('[data-testid=partitions-summary]');
    assert.match(summary, /^400 sales read by this page since \d{4}-.*; windows by arrival time, so no sale is late\.$/);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=partition-rows] li .muted')].every((r) => / · lag 0/.test(r.textContent)), null, { timeout: 15000 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the phone');
    await page.screenshot({ path: shot('dashboard-live-48-partitions'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    srv.kill();
  }
});

// Event time with a warm start: the page subscribes from now − 15 min − delay, declares every
// partition (one watermark each, the minimum counts), and its first window after catching
// up holds the whole last 15 minutes — not a window filling up from empty.
test('live mode in event time starts warm: the first window is already complete', async () => {
  const t = `e2e-warm-${process.pid}-${Date.now()}`;
  const start = new Date(Date.now() - 20 * 60 * 1000).toISOString();
  const gen = ['--no-pace', '--duration', '20m', '--rate', '1', '--seed', '5', '--start', start];
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, ...gen]);
  const sales = execFileSync(bin, ['generate', ...gen.slice(1)], { encoding: 'utf8' })
    .trim().split('\n').map((l) => Date.parse(JSON.parse(l).sale_date));
  const p2 = await freePort();
  const srv = startServe(t, p2);
  try {
    await listening(p2);
    const { page, errors } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`);
    await page.waitForSelector('[data-testid=live-time-status]', { timeout: 15000 });
    await page.waitForFunction((n) => new RegExp(`: ${n} records`).test(document.querySelector('[data-testid=live-status]')?.textContent || ''),
      sales.length, { timeout: 30000 });
    await page.waitForFunction(() => /→/.test(document.querySelector('[data-testid=window-range]')?.textContent || ''),
      null, { timeout: 10000 });
    // Range and count read in one go: windows may fire again when partitions idle.
    const [range, shown] = await page.evaluate(() => [
      document.querySelector('[data-testid=window-range]').textContent,
      document.querySelector('[data-testid=kpi-sales] .kpi-value').textContent]);
    const [from, to] = range.split(' → ').map((s) => Date.parse(s.trim()));
    assert.equal(to - from, 15 * 60 * 1000);
    const want = sales.filter((t) => t >= from && t < to).length;
    assert.ok(want > 800, `a full window of sales, got ${want}`);
    assert.equal(Number(shown), want);
    assert.match(await page.textContent('[data-testid=live-time-status]'), /Warm start from .*Watermark \d{4}-/);
    await page.screenshot({ path: shot('dashboard-live-event-time'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    srv.kill();
  }
});

// A reload of a live page (event time) goes on with its charts: the windows it drew are
// kept in sessionStorage, the first connection starts a window before the last of them
// (rebuilding the panes), and windows already drawn are not drawn twice.
test('a reloaded live page goes on with its charts: no gap, no window twice', async () => {
  const t = `e2e-reload-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '0']);
  const producer = spawn(bin, ['produce', '--brokers', brokers, '--topic', t, '--rate', '30', '--duration', '120s', '--seed', '4'],
    { stdio: 'ignore' });
  const p2 = await freePort();
  const srv = startServe(t, p2);
  try {
    await listening(p2);
    const { page, errors } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`);
    const ends = () => page.evaluate(() => (document.querySelector('[data-testid=chart-sales]')?.dataset.ends || '')
      .split(',').filter(Boolean).map(Number));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-sales]')?.dataset.points || 0) >= 6,
      null, { timeout: 60000 });
    // What sessionStorage holds is at most a second behind what is drawn.
    await page.waitForFunction(() => (sessionStorage.getItem('hopscope.live') || '').length > 0, null, { timeout: 10000 });
    const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem('hopscope.live')).history.points.map((p) => Date.parse(p.end)));
    await page.reload();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=chart-sales]')?.dataset.points || 0) >= n + 4,
      kept.length, { timeout: 60000 });
    const after = await ends();
    assert.deepEqual(after.slice(0, kept.length), kept, 'the charts go on from what was drawn');
    for (let i = 1; i < after.length; i++) {
      assert.equal(after[i] - after[i - 1], 1000, `one window a second, none missing or twice (at ${i}: ${after[i - 1]} → ${after[i]})`);
    }
    assert.deepEqual(errors, []);
  } finally {
    producer.kill();
    srv.kill();
  }
});

// Past one machine: the shipped Flink job (flink/run.py, real PyFlink on the test broker)
// computes the seed's 15 min / 1 s windows from the same topic; `serve --windows-topic`
// relays its rows and the page sets them beside the windows it computes itself.
test('live mode shows Flink\'s windows beside its own, all equal', async () => {
  const t = `e2e-flink-${process.pid}-${Date.now()}`;
  const start = new Date(Date.now() - 20 * 60 * 1000).toISOString();
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--duration', '20m',
    '--rate', '1', '--seed', '6', '--start', start]);
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', `${t}-windows`, '--no-pace', '--count', '0']);
  const p2 = await freePort();
  const srv = startServe(t, p2, ['--windows-topic', `${t}-windows`]);
  try {
    await listening(p2);
    const { page, errors } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`);
    await page.waitForSelector('[data-testid=live-time-status]', { timeout: 15000 });
    const jar = process.env.FLINK_KAFKA_JAR
      || execFileSync('scripts/setup.sh', ['flink-kafka-jar'], { encoding: 'utf8' }).trim();
    execFileSync('.tools/flink-venv/bin/python', ['flink/run.py', '--connector', jar, '--brokers', brokers,
      '--topic', t, '--windows-topic', `${t}-windows`, '--bounded', '--group-id', t], { stdio: 'ignore' });
    // The page's windows reach up to its watermark (the last sale); Flink's bounded run
    // also fires the windows past it, which the page has no partner for yet. Every row the
    // bridge read from the results topic reaches the page — Flink's job writes them in one
    // burst, which once cost 40 % of them unsaid — so wait until the page has as many as
    // the bridge's /metrics counts.
    const metric = async (name) => Number((await (await fetch(`http://127.0.0.1:${p2}/metrics`)).text())
      .match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
    let seen = '';
    let relayed = 0;
    for (const t0 = Date.now(); Date.now() - t0 < 60000; await page.waitForTimeout(500)) {
      seen = (await page.locator('[data-testid=live-agreement]').textContent().catch(() => '')) || '';
      relayed = await metric('hopscope_window_rows_total');
      const received = seen.match(/: (\d+) received/);
      if (/compared with this page's: all (\d+) equal/.test(seen) && received && Number(received[1]) === relayed && relayed > 1000) break;
    }
    const text = seen;
    console.log(`# agreement: ${text} (the bridge read ${relayed} rows)`);
    const [, received] = text.match(/: (\d+) received/) || [, 0];
    const [, equal] = text.match(/all (\d+) equal/);
    assert.ok(relayed > 1000, `the bridge read ${relayed} rows`);
    assert.equal(Number(received), relayed, `every row the bridge read reached the page: ${text}`);
    assert.equal(await metric('hopscope_window_rows_missed_total'), 0);
    assert.ok(Number(equal) > 200, text);
    assert.match(text, new RegExp(`topic ${t}-windows`));
    // The topic was written seconds ago but its sales are dated over the last 20 minutes:
    // the texts measure the data in sale time, the clock the windows are on.
    assert.match(await page.textContent('[data-testid=live-time-status]'),
      /younger than a window, so this page reads all of it\. Its earliest sale is dated \S+: windows ending before \S+ hold less than a whole window\./);
    assert.match(await page.textContent('[data-testid=no-alerts]'),
      /^No alert yet: the windows hold (1[5-9]|20) min( \d+ s)? of the topic's data, .* so they need 30 min of data/);
    // The inspector sets Flink's row beside the page's for a window, field by field.
    await page.click('[data-testid=inspect-newest]');
    const flinkRow = page.locator('[data-testid=window-inspector-flink]');
    for (let i = 0; i < 20 && await flinkRow.getAttribute('data-equal') === 'none'; i++) await page.click('[data-testid=inspect-older]');
    assert.equal(await flinkRow.getAttribute('data-equal'), 'true', await flinkRow.textContent());
    assert.equal(await flinkRow.locator('tbody tr').count(), 9);
    await page.screenshot({ path: shot('dashboard-live-flink'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    srv.kill();
  }
});

// The bridge goes away and comes back: the page reconnects by itself, resumes from the next
// offset of every partition (no record lost, none twice) and keeps its windows.
test('live mode reconnects by itself and resumes where the stream stopped', async () => {
  const t = `e2e-reconnect-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '0']);
  const p2 = await freePort();
  const start = () => startServe(t, p2);
  const up = () => listening(p2);
  let srv = start();
  await up();
  try {
    const { page } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&ltime=processing&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`);
    await page.waitForSelector('[data-testid=live-status]', { timeout: 15000 });
    execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '150', '--seed', '3']);
    const records = (n) => page.waitForFunction((n) => new RegExp(`: ${n} records \\(0 invalid\\)`).test(document.querySelector('[data-testid=live-status]')?.textContent || ''),
      n, { timeout: 30000 });
    await records(150);
    await page.waitForFunction(() => document.querySelector('[data-testid=kpi-sales] .kpi-value')?.textContent === '150',
      null, { timeout: 10000 });
    const before = 150;
    srv.kill();
    await page.waitForFunction(() => /Reconnecting in/.test(document.querySelector('[data-testid=live-problem]')?.textContent || ''),
      null, { timeout: 15000 });
    // Written while the bridge is away: the page must get these on its return.
    execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '100', '--seed', '4']);
    srv = start();
    await up();
    await records(250);
    const status = await page.textContent('[data-testid=live-status]');
    assert.match(status, /reconnected 1 time \(resumed from the last offsets, 0 gap notices\)/);
    // Windows were kept: the newest window holds the sales of before and after.
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid=kpi-sales] .kpi-value')?.textContent) > b,
      before, { timeout: 10000 });
    await page.waitForTimeout(3000);
    assert.match(await page.textContent('[data-testid=live-status]'), /: 250 records/, 'none twice');
  } finally {
    srv.kill();
  }
});

// The bridge over TLS (`serve --tls-cert`): the page loads over https and, with no bridge
// address given, talks wss:// to its own origin. Chromium trusts exactly the test
// certificate's key (by its SPKI hash), not every certificate.
test('the page over https talks wss to the bridge that served it', async () => {
  const secured = process.env.HOPSCOPE_KAFKA_SECURED;
  assert.ok(secured, 'set HOPSCOPE_KAFKA_SECURED (scripts/kafka.sh start --secured; `make test` does it)');
  const tls = fs.readFileSync(`${secured}/cluster`, 'utf8').match(/^tls=(.*)$/m)[1];
  const spki = crypto.createHash('sha256')
    .update(new crypto.X509Certificate(fs.readFileSync(`${tls}/broker.pem`)).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const t = `e2e-https-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '0']);
  const p2 = await freePort();
  const srv = startServe(t, p2, ['--tls-cert', `${tls}/broker.pem`, '--tls-key', `${tls}/broker.key`]);
  const tlsBrowser = await launch([`--ignore-certificate-errors-spki-list=${spki}`]);
  try {
    await listening(p2, { tls: true });
    const { page, errors } = await openPage(tlsBrowser, `https://localhost:${p2}/?source=live&ltime=processing`);
    await page.waitForSelector('[data-testid=live-status]', { timeout: 15000 });
    execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '200', '--seed', '6']);
    await page.waitForFunction(() => /: 200 records \(0 invalid\)/.test(document.querySelector('[data-testid=live-status]')?.textContent || ''),
      null, { timeout: 20000 });
    assert.equal(await page.inputValue('[data-testid=bridge-url]'), `wss://localhost:${p2}/ws`);
    assert.equal(await page.evaluate(() => location.protocol), 'https:');
    await page.screenshot({ path: shot('dashboard-live-https'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await tlsBrowser.close();
    srv.kill();
  }
});

// The live dashboard shows only what is true of the stream (#29): no simulator controls,
// Pause really stops the bridge and Resume continues without a gap or a double count,
// Reset rebuilds, the texts fit a live source, chart labels are unique.
for (const [w, h] of [[1280, 800], [390, 844]]) {
  test(`live dashboard: pause holds, resume continues exactly, reset rebuilds, honest texts (${w}px)`, async () => {
    const t = `e2e-dash-${w}-${process.pid}-${Date.now()}`;
    execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '0']);
    const p2 = await freePort();
    const srv = startServe(t, p2);
    try {
      await listening(p2);
      const { page, errors } = await openPage(browser,
        `http://127.0.0.1:${p2}/?source=live&ltime=processing&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`, { width: w, height: h });
      await page.waitForSelector('[data-testid=live-status]', { timeout: 15000 });
      const count = async () => Number((await page.textContent('[data-testid=live-status]')).match(/: (\d+) records/)[1]);
      const reach = (n) => page.waitForFunction((n) => new RegExp(`: ${n} records \\(0 invalid\\)`).test(document.querySelector('[data-testid=live-status]')?.textContent || ''), n, { timeout: 30000 });
      // Only controls that act on the stream.
      for (const sel of ['seed', 'rate', 'step', 'speed-60', 'trigger-spike', 'trigger-outlier']) {
        assert.equal(await page.locator(`[data-testid=${sel}]`).count(), 0, `${sel} is a simulator control`);
      }
      assert.match(await page.textContent('[data-testid=live-scenarios]'), /hopscope produce .*--scenario spike/);
      execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '300', '--seed', '11']);
      await reach(300);
      assert.match(await page.textContent('[data-testid=no-alerts]'), /No alert yet: the windows hold .* of 15 min/);
      await page.waitForFunction(() => /records\/s/.test(document.querySelector('[data-testid=live-rate]')?.textContent || ''));
      assert.match(await page.textContent('[data-testid=live-rate]'), /bridge: hopscope \d+\.\d+\.\d+, librdkafka/);
      // Pause: the bridge stops sending; what is written meanwhile waits.
      await page.click('[data-testid=pause]');
      await page.waitForSelector('[data-testid=live-paused]');
      execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '200', '--seed', '12']);
      const held = await count();
      await new Promise((r) => setTimeout(r, 5000));
      assert.equal(await count(), held, 'nothing arrives while paused');
      // Resume: exactly what was written, once.
      await page.click('[data-testid=pause]');
      await reach(500);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await count(), 500, 'nothing twice');
      // Charts: every time label once.
      await page.waitForFunction(() => document.querySelectorAll('svg.chart').length >= 2, null, { timeout: 20000 });
      for (const labels of await page.$$eval('svg.chart', (charts) => charts.map((c) => [...c.querySelectorAll('.tlabel')].map((t) => t.textContent)))) {
        assert.equal(new Set(labels).size, labels.length, `repeated axis labels: ${labels}`);
      }
      // Drawn whole: a label cut by the edge reads as another.
      const cut = await page.$$eval('svg.chart', (charts) => charts.flatMap((c) => {
        const width = c.viewBox.baseVal.width;
        return [...c.querySelectorAll('.tlabel')].map((t) => t.getBBox())
          .filter((b) => b.x < 0 || b.x + b.width > width + 0.5).map((b) => `${b.x}+${b.width} of ${width}`);
      }));
      assert.deepEqual(cut, []);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing wider than the screen');
      await page.screenshot({ path: shot(`dashboard-live-controls-${w}`), fullPage: true });
      // Reset: a new session, windows rebuilt from now (processing time: the new records).
      await page.click('[data-testid=reset]');
      await reach(0);
      execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '40', '--seed', '13']);
      await reach(40);
      assert.deepEqual(errors, []);
    } finally {
      srv.kill();
    }
  });
}

test('live dashboard in event time on a topic younger than a window says so', async () => {
  const t = `e2e-young-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', t, '--no-pace', '--count', '100', '--seed', '14']);
  const p2 = await freePort();
  const srv = startServe(t, p2);
  try {
    await listening(p2);
    const { page, errors } = await openPage(browser,
      `http://127.0.0.1:${p2}/?source=live&bridge=${encodeURIComponent(`ws://127.0.0.1:${p2}/ws`)}`);
    await page.waitForFunction(() => /: 100 records/.test(document.querySelector('[data-testid=live-status]')?.textContent || ''), null, { timeout: 30000 });
    await page.waitForFunction(() => /younger than a window/.test(document.querySelector('[data-testid=live-time-status]')?.textContent || ''), null, { timeout: 10000 });
    assert.doesNotMatch(await page.textContent('[data-testid=live-time-status]'), /the first window shown is complete/);
    // The topic's age, from the bridge's probe of its oldest record: seconds old here.
    await page.waitForFunction(() => /the topic keeps records since \d{4}-\d\d-\d\d.* \(\d+ s old\)/.test(document.querySelector('[data-testid=live-rate]')?.textContent || ''), null, { timeout: 15000 });
    await page.screenshot({ path: shot('dashboard-live-young-topic'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    srv.kill();
  }
});
