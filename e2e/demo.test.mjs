// `make live` end to end: the one command starts a broker of its own, a producer and the
// bridge, prints the URL of the page in live mode; the page shows live records and a fired
// window; Ctrl-C stops all of it and leaves no process behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { launch, openPage, shot } from './harness.mjs';

let browser;
after(async () => { await browser?.close(); });

const freePort = () => new Promise((ok) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
});
const answers = (port) => new Promise((ok) => {
  const c = net.connect(port, '127.0.0.1', () => { c.end(); ok(true); });
  c.on('error', () => ok(false));
});
/// Two free neighbouring ports: the broker's and its controller's.
async function brokerPort() {
  for (;;) {
    const p = await freePort();
    if (p < 65000 && !(await answers(p + 1))) return p;
  }
}
const processesWith = (text) => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
  .split('\n').filter((l) => l.includes(text) && !l.startsWith('ps '));

test('make live: one command, live records and a fired window on the page, Ctrl-C leaves nothing', async () => {
  const [kafkaPort, port] = [await brokerPort(), await freePort()];
  const topic = `e2e-demo-${process.pid}-${Date.now()}`;
  const home = `target/live-e2e-${process.pid}`;
  const demo = spawn('make', ['--no-print-directory', 'live'], {
    detached: true, // its own process group, as a terminal's job: Ctrl-C reaches all of it
    env: { ...process.env, KAFKA_PORT: String(kafkaPort), HOPSCOPE_KAFKA_DIR: home, PORT: String(port),
      TOPIC: topic, RATE: '40', HOPSCOPE_BIN: process.env.HOPSCOPE_BIN || 'target/debug/hopscope' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout.on('data', (d) => { out += d; });
  demo.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((ok) => demo.on('exit', (code, signal) => ok({ code, signal })));
  try {
    const t0 = Date.now();
    while (!/open: (\S+)/.test(out)) {
      assert.ok(Date.now() - t0 < 180000, `no URL printed:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(out, /starting a local Kafka broker/);
    const url = out.match(/open: (\S+)/)[1];
    assert.match(url, /source=live/);
    browser = await launch();
    const { page, errors } = await openPage(browser, url);
    await page.waitForFunction(() => /: [1-9]\d* records/.test(document.querySelector('[data-testid=live-status]')?.textContent || ''),
      null, { timeout: 30000 });
    await page.waitForFunction(() => /^[1-9]\d*$/.test(document.querySelector('[data-testid=kpi-sales] .kpi-value')?.textContent || ''),
      null, { timeout: 30000 });
    await page.screenshot({ path: shot('make-live'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    process.kill(-demo.pid, 'SIGINT');
  }
  const { code, signal } = await Promise.race([exited,
    new Promise((_, no) => setTimeout(() => no(new Error(`make live did not stop:\n${out}`)), 60000))]);
  assert.match(out, /stopping the producer \(flushing what is in flight\)/);
  assert.match(out, /stopping the Kafka broker this run started/);
  assert.ok(code !== null || signal === 'SIGINT', `make ended by Ctrl-C (${code}, ${signal})`);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await answers(port), false, 'the bridge is gone');
  assert.equal(await answers(kafkaPort), false, 'the broker is gone');
  assert.deepEqual(processesWith(topic), [], 'no producer or bridge left');
  assert.deepEqual(processesWith(home), [], 'no broker left');
  execFileSync('rm', ['-rf', home]);
});

/// Runs `make live` with `env` until it prints `until` (or exits); returns its output and
/// whether it is still running, then stops it with Ctrl-C.
async function runDemo(env, until, ms = 120000) {
  const demo = spawn('make', ['--no-print-directory', 'live'], {
    detached: true, env: { ...process.env, HOPSCOPE_BIN: process.env.HOPSCOPE_BIN || 'target/debug/hopscope', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  demo.stdout.on('data', (d) => { out += d; });
  demo.stderr.on('data', (d) => { out += d; });
  let done = false;
  const exited = new Promise((ok) => demo.on('exit', () => { done = true; ok(); }));
  const t0 = Date.now();
  while (!until.test(out) && !done && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 200));
  const running = !done;
  if (running) process.kill(-demo.pid, 'SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 60000))]);
  return { out, running };
}

test('make live on an existing broker starts none of its own and leaves that broker running', async () => {
  const brokers = process.env.HOPSCOPE_KAFKA;
  assert.ok(brokers, 'set HOPSCOPE_KAFKA (make test does)');
  const port = await freePort();
  const topic = `e2e-demo-ext-${process.pid}-${Date.now()}`;
  const { out, running } = await runDemo({ BROKERS: brokers, PORT: String(port), TOPIC: topic }, /open: /);
  assert.ok(running, out);
  assert.match(out, new RegExp(`using the Kafka broker at ${brokers}`));
  assert.doesNotMatch(out, /starting a local Kafka broker|stopping the Kafka broker/);
  const [host, p] = brokers.split(':');
  assert.equal(await new Promise((ok) => { const c = net.connect(Number(p), host, () => { c.end(); ok(true); }); c.on('error', () => ok(false)); }),
    true, 'the existing broker still answers');
  assert.deepEqual(processesWith(topic), [], 'its producer and bridge are gone');
});

test('make live says clearly what is wrong: a broker that does not answer, a busy port', async () => {
  const dead = await freePort();
  // These runs end by themselves: wait for that (no Ctrl-C), then nothing may be left.
  let r = await runDemo({ BROKERS: `127.0.0.1:${dead}` }, /(?!)/, 60000);
  assert.ok(!r.running, 'it stopped by itself');
  assert.match(r.out, new RegExp(`no Kafka broker answers at 127\\.0\\.0\\.1:${dead}`));
  // A port held by something that is not a hopscope bridge.
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((ok) => busy.on('listening', ok));
  const topic = `e2e-demo-busy-${process.pid}-${Date.now()}`;
  r = await runDemo({ BROKERS: process.env.HOPSCOPE_KAFKA, PORT: String(busy.address().port), TOPIC: topic }, /(?!)/, 90000);
  busy.close();
  assert.ok(!r.running, 'it stopped by itself');
  assert.match(r.out, /port \d+ is busy with another program: set PORT=another/);
  assert.deepEqual(processesWith(topic), [], 'the producer it had started is stopped');
});

test('a second make live reuses a bridge still serving from an earlier run', async () => {
  const brokers = process.env.HOPSCOPE_KAFKA;
  const bin = process.env.HOPSCOPE_BIN || 'target/debug/hopscope';
  const port = await freePort();
  const topic = `e2e-demo-reuse-${process.pid}-${Date.now()}`;
  execFileSync(bin, ['produce', '--brokers', brokers, '--topic', topic, '--no-pace', '--count', '0']);
  const earlier = spawn(bin, ['serve', '--brokers', brokers, '--topic', topic, '--bind', `127.0.0.1:${port}`, '--web', 'dist'],
    { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
    const { out, running } = await runDemo({ BROKERS: brokers, PORT: String(port), TOPIC: topic }, /open: /);
    assert.ok(running, out);
    assert.match(out, new RegExp(`reusing the bridge already serving on 127\\.0\\.0\\.1:${port}`));
    assert.equal(await answers(port), true, 'the earlier bridge was not stopped by this run');
    assert.deepEqual(processesWith(topic).filter((l) => l.includes(' produce ')), [],
      'the producer this run started is gone');
  } finally {
    earlier.kill();
  }
});
