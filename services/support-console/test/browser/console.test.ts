/**
 * The support console in a real headless Chromium against the real stack (command API, projector,
 * read API on the test's PostgreSQL): what a support person does in it, end to end.
 */
import type { Page } from 'playwright-core';
import t from 'tap';
import { type Browser, launchBrowser } from './browser.ts';
import { type Stack, startStack, tokenFor, type User } from './stack.ts';

const editor: User = { sub: 'ed', role: 'editor', account_id: 1 };
const worker: User = { sub: 'worker', role: 'system_bot' };
const otherEditor: User = { sub: 'olga', role: 'editor', account_id: 2 };
const admin: User = { sub: 'ada', role: 'admin', account_id: 1 };

/** A publishing record through every status: pending → publishing → failed → pending → publishing → published. */
async function recordThroughEveryStatus(stack: Stack): Promise<string> {
  const created = await stack.command(editor, 'POST', 'publishing-records/', {
    content_id: 42,
    site_id: 7,
    sector_id: 3,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/publisher' },
  });
  const id = String(created.body.data.id);
  await stack.command(worker, 'POST', `publishing-records/${id}/start`);
  await stack.command(worker, 'POST', `publishing-records/${id}/fail`, {
    error: 'webhook answered 503 (server error)',
  });
  await stack.command(editor, 'POST', `publishing-records/${id}/retry`);
  await stack.command(worker, 'POST', `publishing-records/${id}/start`);
  const last = await stack.command(worker, 'POST', `publishing-records/${id}/succeed`, {
    external_url: 'https://example.com/p/42',
    external_id: 'p-42',
  });
  await stack.projected(editor, String(last.position));
  return id;
}

async function pasteToken(page: Page, consoleUrl: string, token: string): Promise<void> {
  await page.goto(`${consoleUrl}/#/sign-in`);
  await page.getByLabel('Token (JWT)').fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function message(page: Page): Promise<string> {
  const region = page.locator('#message');
  await region.locator('strong').first().waitFor();
  return region.innerText();
}

let stack: Stack;
let browser: Browser;
let recordId: string;

t.before(async () => {
  stack = await startStack('support_console_browser');
  browser = await launchBrowser({ timezoneId: 'America/New_York' });
  recordId = await recordThroughEveryStatus(stack);
});
t.teardown(async () => {
  await browser?.close();
  await stack?.close();
});

t.test('development sign-in, then listing by account and status finds the record', async (t) => {
  const page = await browser.context.newPage();
  await page.goto(`${stack.consoleUrl}/`);
  // Not signed in: the console goes to sign-in, and offers development sign-in (development secret).
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Account id').fill('99');
  await page.getByLabel('Role').selectOption('support');
  await page.getByLabel('User (optional)').fill('anna');
  // Keyboard: Enter in a field submits its form.
  await page.getByLabel('User (optional)').press('Enter');
  await page.getByRole('heading', { name: 'Find records' }).waitFor();
  t.match(await page.locator('.identity').innerText(), /anna · support · account 99/);

  const list = page.getByRole('form', { name: 'List records' });
  await list.getByLabel('Account id').fill('1');
  await list.getByLabel('Status').selectOption('published');
  await list.getByRole('button', { name: 'List' }).click();
  const row = page.locator('.results tbody tr');
  await row.first().waitFor();
  t.equal(await row.count(), 1);
  t.match(await row.first().innerText(), /webhook\s+published/);
  await row.first().getByRole('link', { name: recordId }).click();
  await page.getByRole('heading', { name: `Publishing record ${recordId}` }).waitFor();
  await page.close();
});

t.test('another account’s record is not found for an editor', async (t) => {
  const page = await browser.context.newPage();
  await pasteToken(page, stack.consoleUrl, tokenFor(otherEditor));
  await page.getByRole('heading', { name: 'Find records' }).waitFor();
  const open = page.getByRole('form', { name: 'Open a record by id' });
  await open.getByLabel('Record id').fill(recordId);
  await open.getByRole('button', { name: 'Open' }).click();
  t.match(await message(page), /Not found: there is no such record, or it belongs to an account you cannot see/);
  t.match(await message(page), /HTTP 404 RECORD_NOT_FOUND · request id \S+/);
  t.equal(await page.locator('table.timeline').count(), 0, 'no timeline shown');
  // Their own list does not show it either.
  await page.goto(`${stack.consoleUrl}/#/find?kind=publishing-records&list=1`);
  await page.getByRole('heading', { name: '0 records' }).waitFor();
  await page.close();
});

t.test('an expired token leads back to sign-in', async (t) => {
  const page = await browser.context.newPage();
  await pasteToken(page, stack.consoleUrl, tokenFor({ sub: 'anna', role: 'support', account_id: 99 }, -60));
  t.match(await message(page), /expired/i, 'refused at sign-in');
  t.equal(await page.getByRole('heading', { name: 'Sign in' }).count(), 1);

  // Signed in, then the token runs out while the page is open.
  await pasteToken(page, stack.consoleUrl, tokenFor({ sub: 'anna', role: 'support', account_id: 99 }, 3));
  await page.getByRole('heading', { name: 'Find records' }).waitFor();
  await page.waitForTimeout(3500);
  await page.goto(`${stack.consoleUrl}/#/publishing-records/${recordId}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  t.match(await message(page), /Your token has expired\. Sign in again\./);

  // A token the API refuses (forged signature) also leads back, with the API's reason.
  await pasteToken(page, stack.consoleUrl, tokenFor({ sub: 'anna', role: 'support', account_id: 99 }));
  await page.getByRole('heading', { name: 'Find records' }).waitFor();
  await page.evaluate(() => {
    const key = 'publisher-support-console-token';
    const token = sessionStorage.getItem(key) ?? '';
    sessionStorage.setItem(key, `${token.slice(0, -4)}AAAA`);
  });
  await page.goto(`${stack.consoleUrl}/#/publishing-records/${recordId}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  t.match(await message(page), /Your token was not accepted/);
  await page.close();
});

t.test('a service that is down shows a readable message, not a blank page', async (t) => {
  const { start } = await import('../../src/server.ts');
  const { loadSupportConsoleConfig } = await import('../../src/config.ts');
  const cut = await start({
    ...loadSupportConsoleConfig({
      LOG_LEVEL: 'silent',
      COMMAND_API_URL: stack.commandUrl,
      READ_API_URL: 'http://127.0.0.1:1',
    }),
    port: 0,
  });
  t.teardown(() => cut.close());
  const page = await browser.context.newPage();
  await pasteToken(page, cut.url, tokenFor({ sub: 'anna', role: 'support', account_id: 99 }));
  t.match(
    await message(page),
    /A Publisher service is unavailable right now \(the read API cannot be reached; retry shortly\)\. Try again in 2 seconds\./,
  );
  t.match(await message(page), /HTTP 503 UPSTREAM_UNAVAILABLE/);
  await page.close();
});
