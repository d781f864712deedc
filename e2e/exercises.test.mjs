// Predict, then reveal, in Debian's Chromium: every exercise opened from its link, a
// wrong answer (with the misconception it reveals) and the right one, "Show me" playing
// the moment in the lesson, the first try's score kept over a reload, a teacher's set,
// and one exercise done with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, openPage, shot } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serveDist(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const SIZES = [[1280, 800], [390, 844]];

const ids = (page) => page.locator('[data-testid=exercise-item]').evaluateAll((bs) => bs.map((b) => b.dataset.id));
const verdict = (page) => page.textContent('[data-testid=exercise-verdict]');

/// Ticks exactly the choices in `want` (by index).
async function choose(page, want) {
  const n = await page.locator('[data-testid=exercise-choice]').count();
  for (let i = 0; i < n; i++) {
    const input = page.locator(`[data-testid=exercise-choice][data-index="${i}"] input`);
    if (want.includes(i)) await input.check();
    else if (await input.getAttribute('type') === 'checkbox') await input.uncheck();
  }
}

for (const [w, h] of SIZES) {
  test(`exercises: each one, from its link, checks a wrong and a right answer and shows the moment (${w}px)`, { timeout: 300_000 }, async () => {
    const { page, errors } = await openPage(browser, `${srv.base}?tab=teach`, { width: w, height: h });
    await page.click('[data-testid=exercises] > summary');
    const all = await ids(page);
    assert.ok(all.length >= 12, `${all.length} exercises`);
    let firstRight = 0;
    for (const id of all) {
      await page.goto(`${srv.base}?tab=teach&exercise=${id}`);
      await page.waitForSelector(`[data-testid=exercise][data-id="${id}"]`);
      const prompt = await page.textContent('[data-testid=exercise-prompt]');
      assert.ok(prompt.length > 20, `${id}: ${prompt}`);
      const multi = await page.locator('[data-testid=exercise-choice] input[type=checkbox]').count() > 0;
      // First try: the first choice. The page then marks the right ones.
      await choose(page, [0]);
      await page.click('[data-testid=exercise-check]');
      const first = await verdict(page);
      assert.match(first, /^(Right\.|Not quite\.) /, `${id}: ${first}`);
      const right = await page.locator('[data-testid=exercise-choice].right').evaluateAll((ls) => ls.map((l) => Number(l.dataset.index)));
      assert.ok(right.length >= 1, `${id}: the right choices are marked`);
      if (first.startsWith('Right.')) firstRight++;
      // A wrong answer: a choice that is not right (or, for several, one right one missing).
      const n = await page.locator('[data-testid=exercise-choice]').count();
      const wrong = multi && right.length > 1 ? right.slice(1) : [[...Array(n).keys()].find((i) => !right.includes(i))];
      await choose(page, wrong);
      await page.click('[data-testid=exercise-check]');
      assert.match(await verdict(page), /^Not quite\./, `${id}: a wrong answer`);
      assert.ok(await page.locator('[data-testid=exercise-trap]').count() >= 1, `${id}: the misconception is named`);
      // The right answer.
      await choose(page, right);
      await page.click('[data-testid=exercise-check]');
      assert.match(await verdict(page), /^Right\./, `${id}: the right answer`);
      assert.equal(await page.locator('[data-testid=exercise-trap]').count(), 0, `${id}: no trap when right`);
      // Show me: the lesson plays the moment.
      const before = await page.textContent('[data-testid=lesson-status]');
      await page.click('[data-testid=exercise-reveal]');
      await page.waitForSelector('[data-testid=exercise-revealed]');
      assert.notEqual(await page.textContent('[data-testid=lesson-status]'), before, `${id}: the lesson moved on`);
      assert.ok(await page.isDisabled('[data-testid=exercise-reveal]'), `${id}: once`);
      if (id === 'late') await page.locator('.teach').screenshot({ path: shot(`exercise-late-${w}`) });
    }
    // The first tries' score survives a reload (localStorage).
    await page.goto(`${srv.base}?tab=teach`);
    await page.click('[data-testid=exercises] > summary');
    assert.equal(await page.textContent('[data-testid=exercise-score]'), `${firstRight} of ${all.length} right at the first try (${all.length} tried)`);
    assert.deepEqual(errors, []);
  });
}

test('exercises: a teacher\'s link to a set lists only those; Next walks them; the keyboard alone answers', async () => {
  const { page, errors } = await openPage(browser, `${srv.base}?tab=teach&set=hop-args,late,end&exercise=hop-args`, { width: 1280, height: 800 });
  assert.deepEqual(await ids(page), ['hop-args', 'late', 'end']);
  assert.match(await page.textContent('[data-testid=exercise-prompt]'), /HOP\(TABLE sales, DESCRIPTOR\(sale_ts\), INTERVAL '2' SECOND, INTERVAL '10' SECOND\)/);
  // Keyboard: focus the first choice, arrow to the next, Space picks it, Enter checks.
  await page.focus('[data-testid=exercise-choice][data-index="0"] input');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'exercise-verdict');
  assert.match(await verdict(page), /^(Right\.|Not quite\.)/);
  await page.click('[data-testid=exercise-next]');
  await page.waitForSelector('[data-testid=exercise][data-id="late"]');
  assert.match(page.url(), /exercise=late&set=hop-args,late,end/);
  await page.click('[data-testid=exercise-next]');
  await page.click('[data-testid=exercise-next]');
  assert.equal(await page.locator('[data-testid=exercise]').count(), 0, 'closed after the last');
  assert.deepEqual(errors, []);
});
