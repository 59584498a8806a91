/* smelt web UI — the little JavaScript the pages use: live chart updates
 * (server-sent events), the SQL console, and table paging in the lake
 * browser.  Everything else works without it.  Charts are SVG drawn by
 * the server; this file never builds markup from strings it received. */
'use strict';
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function fmt(n, digits) {
    if (n === null || n === undefined) return '-';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits || 0 });
  }
  /* Replaces box's content with an SVG document fetched from the server. */
  function putSvg(box, text) {
    var doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    var svg = doc.documentElement;
    if (!svg || svg.nodeName !== 'svg') return;
    box.replaceChildren(document.importNode(svg, true));
  }

  /* ---- live updates ------------------------------------------------- */
  var live = $('[data-live]');
  if (live && window.EventSource) {
    var es = new EventSource(live.getAttribute('data-live'));
    es.addEventListener('live', function (ev) {
      var st;
      try { st = JSON.parse(ev.data); } catch (e) { return; }
      var badge = $('#live-state');
      if (badge) badge.textContent = st.state || '';
      var fields = { state: st.state, events: fmt(st.events), lag: fmt(st.lag), batches: fmt(st.batches),
        last_batch: st.last_batch_ms ? new Date(st.last_batch_ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '-' };
      document.querySelectorAll('[data-field]').forEach(function (n) {
        var k = n.getAttribute('data-field');
        if (k in fields) n.textContent = fields[k];
      });
      var tbody = $('#live-table tbody');
      if (tbody) {
        tbody.replaceChildren();
        (st.live || []).forEach(function (p, i) {
          var tr = el('tr');
          tr.appendChild(el('td', null, p.label === null ? 'NULL' : p.label));
          tr.appendChild(el('td', 'num', fmt(p.value, 2)));
          var t = (st.transactions || [])[i];
          tr.appendChild(el('td', 'num', t ? fmt(t.value) : '-'));
          tbody.appendChild(tr);
        });
      }
      fetch('/api/charts/live.svg', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          var box = $('#live-chart');
          if (text && box) { putSvg(box, text); box.setAttribute('data-version', String(st.version)); }
        })
        .catch(function () {});
    });
  }

  /* ---- result tables ---------------------------------------------- */
  function cellText(v) {
    if (v === null) return null;
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function resultTable(res) {
    var wrap = el('div', 'table-wrap'), table = el('table', 'data');
    var tr = el('tr');
    res.columns.forEach(function (c) {
      var th = el('th', c.numeric ? 'num' : null, c.name);
      th.appendChild(el('span', 'type', c.type));
      tr.appendChild(th);
    });
    var thead = el('thead'); thead.appendChild(tr); table.appendChild(thead);
    var tbody = el('tbody');
    res.rows.forEach(function (row) {
      var r = el('tr');
      row.forEach(function (v, i) {
        var td = el('td', res.columns[i] && res.columns[i].numeric ? 'num' : null);
        var t = cellText(v);
        if (t === null) td.appendChild(el('span', 'null', 'NULL')); else td.textContent = t;
        r.appendChild(td);
      });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    return wrap;
  }
  function errorText(j, fallback) {
    if (!j || !j.error) return fallback;
    var m = j.error.message;
    if (j.error.line) m += ' (line ' + j.error.line + ', column ' + j.error.column + ')';
    return m;
  }

  /* ---- SQL console -------------------------------------------------- */
  var form = $('#sql-form');
  if (form && window.fetch) {
    var text = $('#sql-text'), status = $('#sql-status'), out = $('#sql-result'),
        chartBtn = $('#sql-chart'), chartBox = $('#sql-chart-box'), target = $('#sql-target');
    chartBtn.hidden = false;
    var post = function (url) {
      return fetch(url, { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: text.value, target: target ? target.value : 'lake' }) });
    };
    var busy = function (on) {
      form.querySelectorAll('button').forEach(function (b) { b.disabled = on; });
      status.textContent = on ? 'Running\u2026' : '';
    };
    var showError = function (msg) {
      var p = el('p', 'error', msg);
      p.id = 'sql-error';
      out.replaceChildren(p);
    };
    var run = function () {
      busy(true);
      var t0 = performance.now();
      post('/api/query').then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (x) {
        busy(false);
        if (!x.ok) { showError(errorText(x.j, 'query failed')); return; }
        var ms = Math.round(performance.now() - t0);
        out.replaceChildren(el('p', 'muted', fmt(x.j.row_count) + ' row(s)' + (x.j.truncated ? ', truncated' : '') + ' in ' + ms + ' ms'), resultTable(x.j));
        history.replaceState(null, '', '/sql?q=' + encodeURIComponent(text.value) +
          (target && target.value !== 'lake' ? '&target=' + encodeURIComponent(target.value) : ''));
      }).catch(function (e) { busy(false); showError(String(e)); });
    };
    form.addEventListener('submit', function (ev) { ev.preventDefault(); run(); });
    text.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
    });
    chartBtn.addEventListener('click', function () {
      busy(true);
      post('/api/query/chart').then(function (r) {
        if (r.ok) return r.text().then(function (svg) { busy(false); putSvg(chartBox, svg); chartBox.hidden = false; });
        return r.json().then(function (j) { busy(false); chartBox.hidden = true; showError(errorText(j, 'chart failed')); });
      }).catch(function (e) { busy(false); showError(String(e)); });
    });
  }

  /* ---- lake browser paging ----------------------------------------- */
  function pagerLink(cls, label, layer, table, offset, at, enabled) {
    if (!enabled) return el('span', cls + ' disabled', label);
    var a = el('a', cls, label);
    a.href = '/lake/' + layer + '/' + table + '?offset=' + offset + at;
    return a;
  }
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('nav.pager a');
    if (!a || !window.fetch) return;
    var nav = a.closest('nav.pager');
    var layer = nav.getAttribute('data-layer'), table = nav.getAttribute('data-table');
    var limit = Number(nav.getAttribute('data-limit')) || 50;
    var version = Number(nav.getAttribute('data-version'));
    var at = version >= 0 ? '&version=' + version : '';
    var offset = Number(new URL(a.href, location.href).searchParams.get('offset')) || 0;
    ev.preventDefault();
    fetch('/api/tables/' + layer + '/' + table + '/rows?offset=' + offset + '&limit=' + limit + at, { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (!res.columns) return;
        $('#preview-rows').replaceChildren(resultTable(res));
        var total = res.total_rows, n = res.row_count;
        var more = total === null ? n === limit : offset + n < total;
        nav.setAttribute('data-offset', String(offset));
        nav.replaceChildren(
          el('span', 'range', 'Rows ' + fmt(n ? offset + 1 : offset) + '\u2013' + fmt(offset + n) + ' of ' + (total === null ? '-' : fmt(total))),
          pagerLink('prev', '\u2190 Previous', layer, table, Math.max(0, offset - limit), at, offset > 0),
          pagerLink('next', 'Next \u2192', layer, table, offset + n, at, more));
        history.replaceState(null, '', '/lake/' + layer + '/' + table + '?offset=' + offset + at);
      })
      .catch(function () { location.href = a.href; });
  });
})();
