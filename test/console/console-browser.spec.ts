import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { ConsoleStack, PlacedOrder } from '../support/console-fixture';

const SCREENSHOTS = join(REPO_ROOT, '.local', 'screenshots');

/** Debian's `chromium` package, or the browser CHROMIUM_PATH names. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The console in a real headless Chromium, as the on-call uses it: sign in, search, read, replay. */
describe('the console in a browser', () => {
  const stack = new ConsoleStack();
  let browser: Browser;
  let page: Page;
  let happy: PlacedOrder;
  let deadLettered: PlacedOrder;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await stack.start();
    happy = await stack.place(2);
    const compensated = await stack.place(1, 'AQ');
    await stack.untilStatus(happy.orderId, 'COMPLETED');
    // Before the fault is armed: its cancellation must not be the one that fails.
    await stack.untilStatus(compensated.orderId, 'CANCELLED');
    deadLettered = await stack.placeDeadLettered();
    await stack.untilDeadLettered(deadLettered.orderId);
    // Running as root (CI containers) needs Chromium's own sandbox off.
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  const main = () => page.locator('main');
  /** What the page shows, its white space as a reader sees it. */
  const shown = async () => ((await main().textContent()) ?? '').replace(/\s+/g, ' ');
  const shoot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('when a browser opens the console, then it signs in with a pasted token and sees the overview', async () => {
    await page.goto(stack.consoleUrl);
    await page.getByLabel('Bearer token').fill((await stack.adminHeaders()).authorization.replace('Bearer ', ''));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.consoleUrl}/`);
    await expect(shown()).resolves.toContain('Sagas in flight');
    // The charts draw once the console has scraped /metrics twice.
    await page.locator('.uplot').nth(1).waitFor({ timeout: 30_000 });
    await expect(shown()).resolves.toContain('Consumer lag per group and partition');
    await shoot('overview');
  });

  it("when it searches an order's Idempotency-Key, then it sees the order's saga timeline", async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill(happy.key);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${stack.consoleUrl}/orders/${happy.orderId}`);
    const text = await shown();
    for (const expected of [
      'COMPLETED',
      'inventory.reserved',
      'shipping.scheduled',
      'order.completed',
      'NOTIFIED COMPLETED',
      happy.key,
      'lock fencing token',
    ]) {
      expect(text).toContain(expected);
    }
    await expect(page.getByRole('link', { name: 'trace' }).first().getAttribute('href')).resolves.toMatch(
      /^http:\/\/localhost:16686\/trace\/[\da-f]{32}$/,
    );
    await shoot('timeline');
  });

  it('when it replays a dead letter, then the dry run comes first and the saga completes', async () => {
    await page.goto(`${stack.consoleUrl}/dead-letters/inventory.events`);
    const row = page.locator('tr', { hasText: deadLettered.orderId });
    await row.getByRole('checkbox').check();
    await shoot('dead-letters');
    await page.getByRole('button', { name: 'Dry run the selected' }).click();
    const dryRun = await shown();
    expect(dryRun).toContain('1 letter(s) would be replayed to inventory.events');
    expect(dryRun).toContain('0 of them the consuming service');
    await shoot('dry-run');
    await page.getByRole('button', { name: 'Replay 1 letter(s)' }).click();
    await expect(shown()).resolves.toMatch(/Replay #\d+ by dev-admin .*: 1 replayed, 0 of them duplicates/);
    await stack.untilStatus(deadLettered.orderId, 'CANCELLED');
    await page.goto(`${stack.consoleUrl}/dead-letters`);
    const audit = page.locator('tr', { hasText: 'dev-admin' }).first();
    expect(((await audit.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(
      /dev-admin \S+ inventory\.events positions \d+@\d+ 1 0 0/,
    );
    await shoot('replays');
  });
});
