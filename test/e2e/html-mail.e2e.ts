/**
 * Hostile HTML mail in the case view: no script of it runs, in the console or in its frame,
 * and its remote image is not fetched until the agent allows remote images.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, startDesk, type Browsing, type Desk, type InPage } from './harness.js';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Each payload would set `__pwned` on the frame and on the console page if it ran. */
const hostile = (port: number) => {
  const set = (what: string) => `window.__pwned='${what}';parent.__pwned='${what}';top.__pwned='${what}'`;
  return [
    'From: Mallory <mallory@customer.example>',
    'To: help@solarmora.com',
    'Subject: Hostile HTML',
    'Message-ID: <hostile@customer.example>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=UTF-8',
    '',
    '<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:' + port + '/refresh"><base href="http://127.0.0.1:' + port + '/"></head>',
    `<body onload="${set('body-onload')}">`,
    '<p>Hello agent, this mail is hostile.</p>',
    '<p id="styled" style="color: rgb(0, 0, 255)">The sender\'s own formatting.</p>',
    `<script>${set('script')}</script>`,
    `<img src="x" onerror="${set('onerror')}">`,
    `<a href="javascript:${set('javascript-link')}">javascript link</a>`,
    `<a href="JaVaScRiPt&#58;${set('entity-link')}">entity link</a>`,
    `<div style="width: expression(${set('css-expression')}); background: url(http://127.0.0.1:${port}/css-background.png)">styled</div>`,
    `<svg onload="${set('svg-onload')}"><script>${set('svg-script')}</script><circle r="5" onload="${set('svg-circle')}"/></svg>`,
    `<iframe src="javascript:${set('iframe')}"></iframe>`,
    `<object data="http://127.0.0.1:${port}/object.swf"></object>`,
    `<form action="http://127.0.0.1:${port}/phish"><input name="password"><button>Log in</button></form>`,
    `<img src="http://127.0.0.1:${port}/remote.png?tracker=1" alt="remote picture" width="20" height="20">`,
    '</body></html>',
    '',
  ].join('\r\n');
};

describe('hostile HTML mail in the case view', () => {
  let desk: Desk;
  let browsing: Browsing;
  let server: http.Server;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' }).end(GIF);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const imageHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser({ publicAddresses: [imageHost] })]);
    await desk.addUser('agent@solarmora.com', 'agent');
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  let page: Page;
  let frameElement: Locator;
  const dialogs: string[] = [];
  const pwned = async (f: Frame) => f.evaluate(() => (globalThis as InPage).__pwned ?? null);
  const mailFrame = () => eventually(async () => (await frameElement.elementHandle())?.contentFrame() ?? null, 10_000, 'the mail frame');

  it('runs none of its scripts and fetches nothing while remote images are blocked', async () => {
    const port = (server.address() as AddressInfo).port;
    await desk.mailRaw('mallory@customer.example', hostile(port));
    ({ page } = await browsing.newPage());
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.getByRole('link', { name: 'Hostile HTML' }).click({ timeout: 20_000 });
    frameElement = page.locator('iframe[title^="Mail content"]');
    await frameElement.waitFor();
    expect(await frameElement.getAttribute('sandbox')).toBe('');
    // The frame's document comes from the server with a CSP of its own (a srcdoc frame would inherit the console's).
    const src = (await frameElement.getAttribute('src')) ?? '';
    expect(src).toMatch(/^\/api\/cases\/\d+\/messages\/\d+\/frame$/);
    const served = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { csp: r.headers.get('content-security-policy') ?? '', body: await r.text() };
    }, src);
    expect(served.csp).toContain("default-src 'none'; img-src data:;");
    expect(served.csp).not.toContain('script-src');
    expect(served.body).toContain('data-remote-src');

    const frame = await mailFrame();
    await frame.getByText('Hello agent, this mail is hostile.').waitFor();
    // Clicking what is left of the links must not run anything either.
    await frame.getByText('javascript link').click();
    await frame.getByText('entity link').click();
    await new Promise((r) => setTimeout(r, 1_500));

    expect(await pwned(page.mainFrame())).toBeNull();
    expect(await pwned(frame)).toBeNull();
    expect(dialogs).toEqual([]);
    expect(requests, 'requests to the remote image server before "Allow remote images"').toEqual([]);
    expect(page.url()).toMatch(/\/cases\/\d+$/);
    await screenshot(page, '08-hostile-html-blocked');
  });

  it("keeps the mail's own inline formatting", async () => {
    const frame = await mailFrame();
    expect(
      await frame
        .getByText("The sender's own formatting.")
        .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color),
    ).toBe('rgb(0, 0, 255)');
  });

  it('loads the remote image once the agent allows remote images, and still runs no script', async () => {
    await page.getByRole('button', { name: 'Allow remote images' }).click();
    await page.getByText('Remote images are shown.').waitFor();
    await eventually(async () => requests.some((u) => u.startsWith('/remote.png')), 10_000, 'the remote image to be fetched');
    const after = await mailFrame();
    await after.getByText('Hello agent, this mail is hostile.').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    // Only the image the agent allowed: the sanitiser removed every other load.
    expect(requests.every((u) => u.startsWith('/remote.png'))).toBe(true);
    expect(await pwned(page.mainFrame())).toBeNull();
    expect(await pwned(after)).toBeNull();
    expect(dialogs).toEqual([]);
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
    await screenshot(page, '09-hostile-html-images-allowed');
  });
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Mail as an ordinary client sends it: an inline logo, a tracking pixel, Cc, and a file named with a path. */
const asSent = (port: number) =>
  [
    'From: Erin <erin@customer.example>',
    'To: help@solarmora.com',
    'Cc: carol@customer.example, dave@customer.example',
    'Subject: Logo inline',
    'Message-ID: <logo-inline@customer.example>',
    'X-Shown-As-Text: <b>not bold</b>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed-1"',
    '',
    '--mixed-1',
    'Content-Type: multipart/related; boundary="related-1"',
    '',
    '--related-1',
    'Content-Type: text/html; charset=UTF-8',
    '',
    '<p>Our logo: <img src="cid:logo.1@customer.example" alt="inline logo" width="40" height="40"></p>',
    `<p>Tracker: <img src="http://127.0.0.1:${port}/pixel.png" alt="tracking pixel" width="20" height="20"></p>`,
    '--related-1',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo.1@customer.example>',
    'Content-Disposition: inline; filename="logo.png"',
    '',
    PNG.toString('base64'),
    '--related-1--',
    '--mixed-1',
    'Content-Type: application/pdf',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="C:\\Users\\erin\\Q3 report.pdf"',
    '',
    Buffer.from('%PDF-1.4 not really').toString('base64'),
    '--mixed-1--',
    '',
  ].join('\r\n');

describe('HTML mail in the case view as it was sent', () => {
  let desk: Desk;
  let browsing: Browsing;
  let server: http.Server;
  const requests: string[] = [];
  let page: Page;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' }).end(GIF);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const imageHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser({ publicAddresses: [imageHost] })]);
    await desk.addUser('agent@solarmora.com', 'agent');
    await desk.mailRaw('erin@customer.example', asSent((server.address() as AddressInfo).port));
    ({ page } = await browsing.newPage());
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.getByRole('link', { name: 'Logo inline' }).click({ timeout: 20_000 });
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  const incoming = () => page.locator('[data-direction="in"]');
  const frameOf = async () => {
    const element = incoming().locator('iframe[sandbox=""]');
    await element.waitFor();
    return eventually(async () => (await element.elementHandle())?.contentFrame() ?? null, 10_000, 'the mail frame');
  };
  /** The image's decoded width, once it has finished loading or failing. */
  const widthOf = async (frame: Frame, alt: string) => {
    const img = frame.locator(`img[alt="${alt}"]`);
    await img.waitFor({ state: 'attached' });
    return eventually(
      async () => img.evaluate((el) => ((el as unknown as { complete: boolean }).complete ? (el as unknown as { naturalWidth: number }).naturalWidth : null)),
      10_000,
      `the image "${alt}" to settle`,
    );
  };

  it('shows the inline image from the attachment inside the sandboxed frame while the remote one stays blocked', async () => {
    const frame = await frameOf();
    await frame.getByText('Our logo:').waitFor();
    expect(await widthOf(frame, 'inline logo')).toBeGreaterThan(0);
    expect(await frame.locator('img[alt="inline logo"]').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await frame.locator('img[alt="tracking pixel"]').getAttribute('src')).toMatch(/^data:image\/gif;base64,/);
    await new Promise((r) => setTimeout(r, 500));
    expect(requests, 'requests to the remote image server before "Allow remote images"').toEqual([]);
    await page.getByRole('button', { name: 'Allow remote images' }).click();
    await eventually(async () => requests.some((u) => u.startsWith('/pixel.png')), 10_000, 'the remote image to be fetched');
    // Allowing remote images keeps the inline one.
    expect(await widthOf(await frameOf(), 'inline logo')).toBeGreaterThan(0);
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });

  it('shows To and Cc, and the name a file was sent under', async () => {
    await expect.poll(() => incoming().getByTestId('message-to').textContent()).toBe('To help@solarmora.com');
    expect(await incoming().getByTestId('message-cc').textContent()).toBe('Cc carol@customer.example, dave@customer.example');
    const file = incoming().getByRole('link', { name: 'Q3 report.pdf' });
    expect(await file.getAttribute('title')).toBe('Sent as “C:\\Users\\erin\\Q3 report.pdf”');
    await incoming().getByText('Sent as “C:\\Users\\erin\\Q3 report.pdf”').waitFor();
  });

  it('shows the original headers on demand, as text', async () => {
    const show = incoming().getByRole('button', { name: 'Show original headers' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    const block = incoming().getByLabel('Original headers of the message from Erin <erin@customer.example>');
    await block.waitFor();
    const text = (await block.textContent()) ?? '';
    expect(text).toContain('Message-ID: <logo-inline@customer.example>');
    expect(text).toContain('Cc: carol@customer.example, dave@customer.example');
    expect(text).toContain('X-Shown-As-Text: <b>not bold</b>');
    expect(await block.locator('b').count()).toBe(0);
    await screenshot(page, '10-case-view-as-sent');
    await incoming().getByRole('button', { name: 'Hide original headers' }).click();
    expect(await block.isVisible()).toBe(false);
  });

  it('says the same in Japanese', async () => {
    await page.getByLabel('Language').selectOption('ja');
    await expect.poll(() => incoming().getByTestId('message-to').textContent()).toBe('宛先: help@solarmora.com');
    expect(await incoming().getByTestId('message-cc').textContent()).toBe('CC: carol@customer.example, dave@customer.example');
    await incoming().getByText('送信時のファイル名: C:\\Users\\erin\\Q3 report.pdf').waitFor();
    await incoming().getByRole('button', { name: '元のヘッダーを表示' }).click();
    const block = incoming().getByLabel('Erin <erin@customer.example> からのメッセージの元のヘッダー');
    await block.waitFor();
    expect(await block.textContent()).toContain('Subject: Logo inline');
    expect(await widthOf(await frameOf(), 'inline logo')).toBeGreaterThan(0);
    await screenshot(page, '11-case-view-as-sent-ja');
  });
});
