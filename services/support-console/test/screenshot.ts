/**
 * Takes `docs/support-console-timeline.png` (shown in the root README's "Support" section) from a
 * real run: the stack of the browser tests, a record through every status and a support republish,
 * the record's page in headless Chromium at 1280×800, from the top to the end of the timeline.
 *
 *   pnpm --filter @publisher/support-console screenshot     (needs DATABASE_URL, as the tests)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser/browser.ts';
import { recordThroughEveryStatus, startStack, tokenFor } from './browser/stack.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const output = path.join(root, 'docs', 'support-console-timeline.png');

const stack = await startStack('support_console_screenshot');
const browser = await launchBrowser({ timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 800 } });
try {
  const id = await recordThroughEveryStatus(stack);
  const support = { sub: 'anna', role: 'support', account_id: 99 };
  await stack.command(support, 'POST', `publishing-records/${id}/republish`, {
    reason: 'INC-42: analytics lost its offsets',
  });
  const page = await browser.context.newPage();
  await page.goto(`${stack.consoleUrl}/#/sign-in`);
  await page.getByLabel('Token (JWT)').fill(tokenFor(support));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Find records' }).waitFor();
  await page.goto(`${stack.consoleUrl}/#/publishing-records/${id}`);
  await page.locator('table.timeline').waitFor();
  // In page coordinates (a string script runs in the page, not in Node).
  const bottom = Number(
    await page.evaluate(`document.querySelector('table.timeline').getBoundingClientRect().bottom + window.scrollY`),
  );
  await page.screenshot({
    path: output,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 24 },
  });
  process.stdout.write(`wrote ${path.relative(root, output)}\n`);
} finally {
  await browser.close();
  await stack.close();
}
