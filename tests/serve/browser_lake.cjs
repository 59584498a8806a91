// tests/serve/browser_lake.cjs — the web UI over a real demo lake with a
// live Kafka stream, in Debian's chromium through playwright-core.
// tests/serve/test_browser_lake.sh builds the lake, starts the broker and
// `smelt serve`, and computes expected.json with DuckDB and delta-rs; this
// script checks what a person would see against it, produces events and
// runs `smelt stream` while the dashboard stays open, and saves screenshots.
// Usage: node browser_lake.cjs NODE_MODULES BASE_URL OUT_DIR EXPECTED_JSON
// Environment: SMELT_BIN, PROJECT_DIR, TOPIC, SMELT_KAFKA_BOOTSTRAP.
'use strict';
const fs = require('fs');
const { spawn, execFileSync } = require('child_process');
const common = require('./browser_common.cjs');
const { check, openPage } = common;
const [nodeModules, base, outDir, expectedPath] = process.argv.slice(2);
const want = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
const smelt = process.env.SMELT_BIN;
const project = process.env.PROJECT_DIR;
const topic = process.env.TOPIC;
const bootstrap = process.env.SMELT_KAFKA_BOOTSTRAP;

const N1 = 600, N2 = 400, N = N1 + N2, SEED = 7;

const near = (a, b, tol) => Math.abs(a - b) <= tol;
// "1,234.50" -> 1234.5
const parseShown = (s) => Number(String(s).replace(/[,%\s]/g, ''));
// en-US grouping with a fixed number of decimals, as the server formats
const fmt = (v, d) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

// Runs a smelt command in the project, bounded in time; returns stdout.
function run(args, timeoutMs) {
  return execFileSync(smelt, args, { cwd: project, timeout: timeoutMs, encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'] });
}

// The topic as kcat reads it from the broker: per-country cents and counts.
function kcatTotals() {
  const txt = execFileSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-f', '%s\n'],
    { timeout: 60000, encoding: 'utf8', maxBuffer: 64 << 20 });
  const tot = new Map();
  let n = 0;
  for (const line of txt.split('\n')) {
    if (!line.trim()) continue;
    const ev = JSON.parse(line);
    n++;
    const t = tot.get(ev.pays) || { cents: 0, n: 0 };
    t.cents += Math.round(ev.montant * 100);
    t.n++;
    tot.set(ev.pays, t);
  }
  return { n, tot };
}

// The live chart's bars as shown: label -> value (from each bar's <title>).
async function liveBars(page) {
  return page.$$eval('#live-chart svg rect.bar title', (ts) => ts.map((t) => t.textContent));
}
function barsMatch(bars, expect) {
  if (bars.length !== expect.tot.size) return false;
  for (const b of bars) {
    const i = b.lastIndexOf(': ');
    const t = expect.tot.get(b.slice(0, i));
    if (!t || !near(parseShown(b.slice(i + 2)), t.cents / 100, 0.005)) return false;
  }
  return true;
}
// Bounded wait (count and time) for the live chart to equal expect.
async function waitLive(page, expect, ms) {
  const until = Date.now() + ms;
  for (let i = 0; i < 400 && Date.now() < until; i++) {
    if (barsMatch(await liveBars(page), expect)) return true;
    await page.waitForTimeout(250);
  }
  return false;
}

async function main() {
  const { page, problems, shot, count, close } = await openPage({ nodeModules, outDir, timeoutMs: 15000 });
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  const text = async (sel) => (await page.textContent(sel)).trim();
  let streamProc = null;
  try {
    // ---- dashboard: KPIs and charts against DuckDB over the Delta files ----
    await page.goto(base);
    check('title', (await page.title()).startsWith('Dashboard'), await page.title());
    const kv = async (id) => Number(await page.getAttribute('#' + id, 'data-value'));
    check('revenue KPI value', near(await kv('kpi-revenue'), want.total_revenue, 0.005),
      [await kv('kpi-revenue'), want.total_revenue]);
    check('revenue KPI shown', await text('#kpi-revenue') === fmt(want.total_revenue, 2),
      [await text('#kpi-revenue'), fmt(want.total_revenue, 2)]);
    check('orders KPI', await text('#kpi-orders') === fmt(want.orders, 0), [await text('#kpi-orders'), want.orders]);
    check('customers KPI', await text('#kpi-customers') === fmt(want.customers, 0),
      [await text('#kpi-customers'), want.customers]);
    check('VIP share KPI value', near(await kv('kpi-vip'), want.vip_share, 1e-9), [await kv('kpi-vip'), want.vip_share]);
    check('VIP share KPI shown', await text('#kpi-vip') === fmt(want.vip_share * 100, 1) + '%',
      [await text('#kpi-vip'), want.vip_share]);
    check('gold.total_revenue (delta-rs) = DuckDB over silver',
      want.gold_total.length === 1 && near(want.gold_total[0].total_revenue, want.total_revenue, 0.005) &&
      want.gold_total[0].orders === want.orders && want.gold_total[0].customers === want.customers, want.gold_total);

    // top 10 countries: bar order, labels and values (from each bar's tooltip title)
    const countryBars = await page.$$eval('#card-countries svg rect.bar title', (ts) => ts.map((t) => t.textContent));
    check('top 10 countries: 10 bars', countryBars.length === 10 && want.countries.length === 10, countryBars.length);
    want.countries.forEach(([pays, rev], i) => {
      const b = countryBars[i] || '';
      const j = b.lastIndexOf(': ');
      check('country bar ' + (i + 1) + ' is ' + pays, b.slice(0, j) === pays && near(parseShown(b.slice(j + 2)), rev, 0.005),
        [b, pays, rev]);
      const g = want.gold_top[i] || [];
      check('gold.top_countries row ' + (i + 1) + ' = DuckDB', g[0] === pays && near(g[1], rev, 0.005), g);
    });
    const countryLabels = await page.$$eval('#card-countries svg text.lbl', (ts) => ts.map((t) => t.textContent));
    check('country axis labels', want.countries.every(([p], i) => (countryLabels[i] || '').startsWith(p)), countryLabels);
    const catBars = await page.$$eval('#card-categories svg rect.bar title', (ts) => ts.map((t) => t.textContent));
    check('categories: one bar each', catBars.length === want.categories.length, catBars);
    want.categories.forEach(([c, rev], i) => {
      const b = catBars[i] || '';
      const j = b.lastIndexOf(': ');
      check('category bar ' + c, b.slice(0, j) === c && near(parseShown(b.slice(j + 2)), rev, 0.005), [b, c, rev]);
    });
    const segText = await page.textContent('#card-segments svg');
    check('segments: 2 slices', await count('#card-segments svg path.slice') === 2);
    check('segments: VIP percentage', segText.includes(fmt(want.vip_share * 100, 1) + '%'), segText);
    check('segments: Standard percentage', segText.includes(fmt((1 - want.vip_share) * 100, 1) + '%'), segText);
    check('RFM table: 10 rows', await count('section.card table.data tbody tr') === 10);
    const box = await page.locator('#card-countries svg rect.bar').first().boundingBox();
    check('bars have width on screen', box && box.width > 50 && box.height > 5, box);

    // the explicit waiting state, before any event exists
    check('live chart waits', await count('#live-chart svg.chart.empty') === 1);
    check('live chart says so', (await page.textContent('#live-chart')).includes('Waiting for live data'));
    await shot('dashboard-waiting.png');

    // ---- live: events produced and streamed while the page stays open ----------
    await page.evaluate(() => { window.__smeltKeep = 'same page'; });
    const nav0 = navigations;
    run(['produce', '--topic', topic, '--count', String(N1), '--rate', '0', '--seed', String(SEED)], 120000);
    const want1 = kcatTotals();
    check('kcat reads the first events', want1.n === N1, want1.n);
    run(['stream'], 300000); // available-now: what is there, then stop
    check('live chart shows the first batch (SSE, no reload)', await waitLive(page, want1, 30000),
      [await liveBars(page), [...want1.tot]]);
    await shot('dashboard-live-1.png');

    // a continuous stream runs while more events arrive
    streamProc = spawn(smelt, ['stream', '--trigger', 'continuous'], { cwd: project, stdio: 'ignore' });
    if (process.env.STREAM_PID_FILE) fs.writeFileSync(process.env.STREAM_PID_FILE, String(streamProc.pid));
    run(['produce', '--topic', topic, '--count', String(N2), '--rate', '0', '--seed', String(SEED),
      '--start-id', String(N1 + 1)], 120000);
    const want2 = kcatTotals();
    check('kcat reads every event', want2.n === N, want2.n);
    check('live chart follows the continuous stream', await waitLive(page, want2, 60000),
      [await liveBars(page), [...want2.tot]]);
    check('live: same page, no reload', navigations === nav0 &&
      await page.evaluate(() => window.__smeltKeep) === 'same page', navigations - nav0);
    check('live: chart left the waiting state', await count('#live-chart svg.chart.empty') === 0);
    await shot('dashboard-live-2.png');
    streamProc.kill('SIGINT');
    await new Promise((res) => {
      const t = setTimeout(() => { streamProc.kill('SIGKILL'); res(); }, 15000);
      streamProc.on('exit', () => { clearTimeout(t); res(); });
    });
    streamProc = null;
    // gone: the shell's cleanup must not kill a recycled pid
    if (process.env.STREAM_PID_FILE) fs.rmSync(process.env.STREAM_PID_FILE, { force: true });

    // ---- stream monitor: the topic's end offset, the stream's lag ---------------
    await page.goto(base + 'stream');
    check('broker reachable', await page.getAttribute('#kafka-state', 'data-state') === 'ok',
      await page.getAttribute('#kafka-state', 'data-state'));
    const topicRows = await page.$$eval('#topics tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    const tr = topicRows.filter((r) => r[0] === topic);
    check('topic listed once per partition', tr.length === 1, topicRows);
    if (tr.length === 1) {
      check('topic end offset = N', parseShown(tr[0][3]) === N, tr[0]);
      check('topic messages = N', parseShown(tr[0][4]) === N, tr[0]);
    }
    const streamRows = await page.$$eval('#streams tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    const sr = streamRows.filter((r) => r[1] === topic);
    check('the stream is listed with its topic', sr.length === 1, streamRows);
    if (sr.length === 1) {
      check('stream committed = N', parseShown(sr[0][3]) === N, sr[0]);
      check('stream lag = 0', parseShown(sr[0][4]) === 0, sr[0]);
      check('no dead letters', parseShown(sr[0][7]) === 0, sr[0]);
    }
    check('stream page: events = N', parseShown(await text('#s-events')) === N, await text('#s-events'));
    const liveRows = await page.$$eval('#live-table tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    check('stream page: one row per country', liveRows.length === want2.tot.size, liveRows);
    for (const r of liveRows) {
      const t = want2.tot.get(r[0]);
      check('stream page: ' + r[0], t && near(parseShown(r[1]), t.cents / 100, 0.005) && parseShown(r[2]) === t.n,
        [r, t]);
    }
    await shot('stream-monitor.png');

    // ---- lake browser: layers -> a table -> schema, files, history, page 2 ------
    await page.goto(base + 'lake');
    const layers = await page.$$eval('#tables tbody tr td:first-child', (ts) => ts.map((t) => t.className));
    for (const l of ['bronze', 'silver', 'gold'])
      check('lake: layer ' + l + ' listed', layers.includes('layer-' + l), layers);
    await shot('lake.png');
    await page.click('#tables >> text=silver.master_ventes');
    await page.waitForSelector('#preview');
    check('lake: table page', page.url().endsWith('/lake/silver/master_ventes'), page.url());
    check('lake: rows', parseShown(await text('#t-rows')) === want.master_rows, [await text('#t-rows'), want.master_rows]);
    const schemaCols = await page.$$eval('#schema tbody tr td:first-child', (ts) => ts.map((t) => t.textContent.trim()));
    check('schema = delta-rs schema', JSON.stringify(schemaCols) === JSON.stringify(want.master_columns),
      [schemaCols, want.master_columns]);
    check('files: one row per file', await count('#files tbody tr') === want.master_files);
    const hist = await page.$$eval('#history tbody tr td:first-child', (ts) => ts.map((t) => Number(t.textContent)));
    check('history: newest version = delta-rs version', hist.length >= 1 && Math.max(...hist) === want.master_version,
      [hist, want.master_version]);
    check('preview: 50 rows', await count('#preview-rows tbody tr') === 50);
    await page.click('nav.pager a.next');
    await page.waitForFunction(() => document.querySelector('nav.pager .range').textContent.startsWith('Rows 51'));
    check('paging: URL', page.url().endsWith('?offset=50'), page.url());
    check('paging: second page range', (await text('nav.pager .range')).includes('51\u2013100 of ' + fmt(want.master_rows, 0)),
      await text('nav.pager .range'));
    check('paging: 50 rows', await count('#preview-rows tbody tr') === 50);
    if (want.master_files === 1 && want.master_row50) {
      const heads = await page.$$eval('#preview-rows thead th', (ts) => ts.map((t) => t.firstChild.textContent.trim()));
      const cells = await page.$$eval('#preview-rows tbody tr:first-child td', (ts) => ts.map((t) => t.textContent.trim()));
      const oi = heads.indexOf('order_id'), ci = heads.indexOf('client');
      check('page 2 row 1 = delta-rs row 51', oi >= 0 && Number(cells[oi]) === want.master_row50.order_id &&
        cells[ci] === want.master_row50.client, [heads, cells, want.master_row50]);
    }
    await shot('lake-table-page2.png');

    // ---- SQL console ------------------------------------------------------------
    await page.goto(base + 'sql');
    await page.fill('#sql-text',
      'SELECT pays, round(sum(montant_final), 2) AS revenue FROM silver.master_ventes GROUP BY pays ORDER BY revenue DESC LIMIT 5');
    await page.click('#sql-run');
    await page.waitForSelector('#sql-result table.data');
    const res = await page.$$eval('#sql-result tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    check('console: 5 rows', res.length === 5, res.length);
    res.forEach((r, i) => {
      const [p, v] = want.countries[i];
      check('console row ' + (i + 1), r[0] === p && near(parseShown(r[1]), v, 0.006), [r, p, v]);
    });
    await page.click('#sql-chart');
    await page.waitForSelector('#sql-chart-box svg');
    check('console chart: 5 bars', await count('#sql-chart-box svg rect.bar') === 5);
    await shot('sql.png');

    // ---- runs and lineage -------------------------------------------------------
    await page.goto(base + 'runs');
    check('runs: rows', await count('#runs tbody tr') >= 6, await count('#runs tbody tr'));
    check('lineage SVG', await count('svg.lineage') === 1);
    const nodes = await page.$$eval('svg.lineage .node', (ns) => ns.map((n) => n.getAttribute('data-name')));
    for (const m of ['silver.master_ventes', 'gold.total_revenue', 'gold.top_countries', 'gold.rfm_analysis',
      'gold.revenue_by_category', 'gold.rfm_scores', 'bronze.orders', 'bronze.order_details'])
      check('lineage node ' + m, nodes.includes(m), nodes);
    const lbox = await page.locator('svg.lineage').boundingBox();
    check('lineage drawn on screen', lbox && lbox.width > 300 && lbox.height > 100, lbox);
    await shot('runs.png');

    check('no console errors, CSP violations or failed requests', problems.length === 0, problems);
  } finally {
    if (streamProc) streamProc.kill('SIGKILL');
    await close();
  }
}

common.run(main, 360000);
