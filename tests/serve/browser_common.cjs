// tests/serve/browser_common.cjs — what the two browser tests share: the
// pass/fail tally, Debian's chromium launched through playwright-core with
// one page whose console errors, failed requests and script errors are
// collected, and the run wrapper with its deadline and exit status.
// Used by browser.cjs (fake provider) and browser_lake.cjs (a real lake).
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');

let passed = 0, failed = 0;
// Counts one expectation; prints FAIL with what was seen when cond is false.
function check(desc, cond, detail) {
  if (cond) { passed++; return; }
  failed++;
  console.error('FAIL: ' + desc + (detail !== undefined ? ' (got ' + JSON.stringify(detail) + ')' : ''));
}

// Launches headless chromium in a scratch profile and opens one page.
// opts: nodeModules (where playwright-core is), outDir (screenshots),
// timeoutMs (the page's default), allowed(response) -> true for an error
// answer the test expects.  Returns { ctx, page, problems, shot, count,
// close }: problems collects console errors, CSP violations, failed
// requests and uncaught page errors; close() ends the browser and deletes
// the profile.
async function openPage(opts) {
  const { chromium } = require(path.join(opts.nodeModules, 'playwright-core'));
  fs.mkdirSync(opts.outDir, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smelt-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(opts.timeoutMs);
  page.on('console', (m) => {
    // failed requests are judged by the response listener below
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !(opts.allowed && opts.allowed(r))) problems.push(r.status() + ' ' + r.url());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return {
    ctx, page, problems,
    shot: (name) => page.screenshot({ path: path.join(opts.outDir, name), fullPage: true }),
    count: (sel) => page.locator(sel).count(),
    close: async () => {
      await ctx.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Runs main() under a deadline; prints the tally and exits 1 on any
// failure, exception or timeout.
function run(main, deadlineMs) {
  const deadline = setTimeout(() => { console.error('FAIL: browser test timed out'); process.exit(1); }, deadlineMs);
  deadline.unref();
  main().then(() => {
    console.log(passed + ' passed, ' + failed + ' failed');
    process.exit(failed ? 1 : 0);
  }, (e) => { console.error('FAIL: ' + (e.stack || e)); process.exit(1); });
}

module.exports = { check, openPage, run };
