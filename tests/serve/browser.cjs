// tests/serve/browser.cjs — the web UI in a real browser (Debian's
// chromium through playwright-core): serve_fake runs the server over the
// fake provider; this script checks what a person would see and saves
// screenshots.  Usage: node browser.cjs NODE_MODULES SERVE_FAKE_BIN OUT_DIR
'use strict';
const { spawn } = require('child_process');
const { check, openPage, run } = require('./browser_common.cjs');
const [nodeModules, fakeBin, outDir] = process.argv.slice(2);

function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(fakeBin, ['127.0.0.1:0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    const timer = setTimeout(() => reject(new Error('serve_fake did not start')), 10000);
    p.stdout.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(/listening (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve({ proc: p, base: m[1] }); }
    });
    p.on('exit', (code) => reject(new Error('serve_fake exited ' + code)));
  });
}

async function main() {
  const { proc, base } = await startServer();
  const send = (line) => proc.stdin.write(line + '\n');
  // the console's refused statement is the one expected error answer
  const { page, problems, shot, count, close } = await openPage({ nodeModules, outDir, timeoutMs: 10000,
    allowed: (r) => r.status() === 400 && r.url().endsWith('/api/query') });
  try {
    // ---- dashboard ---------------------------------------------------
    await page.goto(base);
    check('title', (await page.title()).startsWith('Dashboard'), await page.title());
    const kpi = async (id) => (await page.textContent('#' + id)).trim();
    check('revenue KPI shown', await kpi('kpi-revenue') === '1,265,793.04', await kpi('kpi-revenue'));
    check('revenue KPI value', Number(await page.getAttribute('#kpi-revenue', 'data-value')) === 1265793.04);
    check('orders KPI', await kpi('kpi-orders') === '830', await kpi('kpi-orders'));
    check('customers KPI', await kpi('kpi-customers') === '89', await kpi('kpi-customers'));
    check('VIP share KPI', await kpi('kpi-vip') === '44.9%', await kpi('kpi-vip'));
    check('top 10 countries: 10 bars', await count('#card-countries svg rect.bar') === 10, await count('#card-countries svg rect.bar'));
    check('categories: 8 bars', await count('#card-categories svg rect.bar') === 8, await count('#card-categories svg rect.bar'));
    check('segments: 2 slices', await count('#card-segments svg path.slice') === 2);
    check('segments: percentages', (await page.textContent('#card-segments svg')).includes('44.9%'));
    check('live chart waits', await count('#live-chart svg.chart.empty') === 1);
    check('RFM table rows', await count('section.card table.data tbody tr') === 5);
    check('hostile name shown as text', (await page.textContent('section.card table.data')).includes('<script>alert(1)</script>'));
    // charts really render: bars have a size on screen
    const box = await page.locator('#card-countries svg rect.bar').first().boundingBox();
    check('bars have width on screen', box && box.width > 50 && box.height > 5, box);
    await shot('dashboard-1280.png');

    // ---- live updates over server-sent events ---------------------------
    send('live FRANCE 120.50');
    await page.waitForSelector('#live-chart svg rect.bar');
    check('live: one bar', await count('#live-chart svg rect.bar') === 1);
    send('live GERMANY 80');
    send('live USA 200');
    await page.waitForFunction(() => document.querySelectorAll('#live-chart svg rect.bar').length === 3);
    check('live: three bars', await count('#live-chart svg rect.bar') === 3);
    check('live: badge running', (await page.textContent('#live-state')).trim() === 'running');
    send('live FRANCE 79.5');
    await page.waitForFunction(() => {
      const t = document.querySelector('#live-chart svg');
      return t && t.innerHTML.includes('FRANCE: 200<');
    });
    check('live: value updated', (await page.innerHTML('#live-chart svg')).includes('FRANCE: 200<'));
    await shot('dashboard-live-1280.png');

    // ---- narrow window --------------------------------------------------
    await page.setViewportSize({ width: 600, height: 900 });
    await page.waitForTimeout(200);
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    check('600px: no horizontal scroll', sw <= 600, sw);
    await shot('dashboard-600.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dashboard-600-dark.png');
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot('dashboard-1280-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });

    // ---- lake browser -----------------------------------------------------
    await page.goto(base + 'lake');
    check('lake lists 4 tables', await count('#tables tbody tr') === 4);
    await page.click('text=silver.master_ventes');
    await page.waitForSelector('#preview');
    check('lake: table page', page.url().endsWith('/lake/silver/master_ventes'), page.url());
    check('preview: 50 rows', await count('#preview-rows tbody tr') === 50);
    check('schema: 4 columns', await count('#schema tbody tr') === 4);
    check('history: 3 commits', await count('#history tbody tr') === 3);
    await page.click('nav.pager a.next');
    await page.waitForFunction(() => document.querySelector('nav.pager .range').textContent.startsWith('Rows 51'));
    check('paging: second page', (await page.textContent('nav.pager .range')).includes('51\u2013100 of 120'));
    check('paging: URL', page.url().endsWith('?offset=50'), page.url());
    check('paging: first cell', (await page.textContent('#preview-rows tbody tr td')).trim() === '10298');
    await page.click('nav.pager a.next');
    await page.waitForFunction(() => document.querySelector('nav.pager .range').textContent.startsWith('Rows 101'));
    check('paging: last page rows', await count('#preview-rows tbody tr') === 20);
    check('paging: no next', await count('nav.pager span.next.disabled') === 1);
    await shot('lake-table-1280.png');

    // ---- SQL console --------------------------------------------------------
    await page.goto(base + 'sql');
    await page.fill('#sql-text', 'SELECT pays, revenue FROM gold.revenue_by_country');
    await page.click('#sql-run');
    await page.waitForSelector('#sql-result table.data');
    check('console: 12 rows', await count('#sql-result tbody tr') === 12);
    await page.click('#sql-chart');
    await page.waitForSelector('#sql-chart-box svg');
    check('console chart: 12 bars', await count('#sql-chart-box svg rect.bar') === 12);
    await shot('sql-1280.png');
    await page.fill('#sql-text', 'DROP TABLE silver.master_ventes');
    await page.click('#sql-run');
    await page.waitForSelector('#sql-error');
    check('console refuses writes', (await page.textContent('#sql-error')).includes('read-only'));

    // ---- stream and runs ------------------------------------------------
    await page.goto(base + 'stream');
    check('stream: live bars', await count('#live-chart svg rect.bar') === 3);
    check('stream: events', (await page.textContent('#s-events')).trim() === '4');
    send('live UK 15');
    await page.waitForFunction(() => document.querySelectorAll('#live-table tbody tr').length === 4);
    check('stream: table follows live data', await count('#live-table tbody tr') === 4);
    await shot('stream-1280.png');
    await page.goto(base + 'runs');
    check('runs: 3 rows', await count('#runs tbody tr') === 3);
    await shot('runs-1280.png');

    check('no console errors or CSP violations', problems.length === 0, problems);
  } finally {
    await close();
    send('quit');
    proc.stdin.end();
  }
}

run(main, 180000);
