/** The report's inline stylesheet (light, dark, print) and its small script (interaction only). */

export const STYLE = `
:root { color-scheme: light dark; --fg:#1b1b1b; --bg:#fff; --muted:#666; --line:#ddd; --card:#f6f7f9; --accent:#0072B2; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e6e6; --bg:#15171a; --muted:#9aa; --line:#333; --card:#1f2328; --accent:#56B4E9; } }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1180px; padding: 0 16px 40px; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; } h3 { font-size: 15px; margin: 8px 0; }
a { color: var(--accent); } code { font: 12px ui-monospace, Menlo, Consolas, monospace; background: var(--card); padding: 1px 4px; border-radius: 3px; word-break: break-all; }
nav { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line); padding: 6px 0; z-index: 2; display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
nav input { font: inherit; padding: 3px 6px; min-width: 320px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
.verdict { font-size: 15px; } .facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; } .facts dt { color: var(--muted); } .facts dd { margin: 0; }
.finding { background: var(--card); border-left: 4px solid var(--muted); padding: 6px 14px; margin: 12px 0; border-radius: 4px; }
.sev-critical { border-color: #D55E00; } .sev-warning { border-color: #E69F00; } .sev-info { border-color: #56B4E9; }
.badge { font-size: 11px; text-transform: uppercase; padding: 1px 6px; border-radius: 8px; background: var(--line); }
.sev-critical .badge { background: #D55E00; color: #fff; } .sev-warning .badge { background: #E69F00; color: #000; }
.summary { font-weight: 600; } .hint { color: var(--muted); }
svg { width: 100%; height: auto; display: block; font: 11px system-ui, sans-serif; fill: currentColor; color: var(--fg); }
svg text { fill: currentColor; stroke: none; } .tick, .frame-no, .gap { fill: var(--muted); font-size: 10px; } .chart-title { font-weight: 600; }
.gridline { stroke: var(--line); } .axis-line { stroke: var(--muted); stroke-width: 2; } .lane-label { font: 10px ui-monospace, monospace; }
svg text.inside { fill: #fff; font-size: 10px; } .who-closed { font-weight: 600; } h4 { margin: 10px 0 2px; font-size: 14px; }
.seg-label { font: 9.5px ui-monospace, monospace; } .evidence .seg-label { font-weight: 700; } .ctl { font-weight: 700; font-size: 11px; }
.brush { fill: var(--accent); fill-opacity: .18; stroke: var(--accent); } .overview { cursor: crosshair; }
.pair { display: grid; grid-template-columns: 48% 52%; gap: 8px; align-items: start; } .conn { border-top: 1px dashed var(--line); padding-top: 6px; }
.scroll { max-height: 900px; overflow: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; font: 12px ui-monospace, monospace; } th, td { border-bottom: 1px solid var(--line); padding: 2px 6px; text-align: left; white-space: nowrap; }
th { cursor: pointer; position: sticky; top: 38px; background: var(--card); } th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
.hidden { display: none; } #tip { position: fixed; pointer-events: none; background: var(--card); border: 1px solid var(--line); padding: 3px 6px; font-size: 12px; z-index: 5; max-width: 420px; }
@media print { nav, button, .pager, #tip { display: none !important; } .scroll { max-height: none; overflow: visible; border: 0; } .finding, .conn, svg { break-inside: avoid; } body { max-width: none; } }
`;

/**
 * Filter box over lanes and table rows, sortable and paged table, brush on the overview that zooms the
 * timeline (lanes are scaled along x; marks keep their stroke), copy buttons, hover tooltips.
 */
export const SCRIPT = `
(function () {
  'use strict';
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  var data = JSON.parse($('#conn-data').textContent);
  // Column-wise rows (table.ts TABLE_COLUMNS): running sums undo the differences, dict holds the texts.
  var col = data.columns, dict = data.dict;
  data.delta.forEach(function (k) { var a = col[k]; for (var i = 1; i < a.length; i++) a[i] += a[i - 1]; });
  var ep = function (ip, port) { ip = dict[ip]; return (ip.indexOf(':') >= 0 ? '[' + ip + ']' : ip) + ':' + port; };
  // A row's texts are made when it is shown, filtered or sorted on, not all 181 k at load.
  var n = data.n;
  var closerOf = function (i) { var by = dict[col.closedBy[i]]; return by === '-' ? '-' : by + ' #' + col.closedFrame[i]; };
  var resetsOf = function (i) { var by = dict[col.resetBy[i]], more = col.resetsMore[i]; return by === '-' ? '-' : by + ' #' + col.resetFrame[i] + (more > 0 ? ' +' + more : ''); };
  var startOf = function (i) { return col.startUs[i] / 1e6; };
  var endOf = function (i) { return (col.startUs[i] + col.spanUs[i]) / 1e6; };
  function cellsOf(i) {
    return [col.id[i], ep(col.clientIp[i], col.clientPort[i]), ep(col.serverIp[i], col.serverPort[i]), col.packetsClient[i] + '/' + col.packetsServer[i],
      col.bytesClient[i] + '/' + col.bytesServer[i], '+' + startOf(i).toFixed(3), col.durationMs[i] / 1000, closerOf(i), resetsOf(i), dict[col.final[i]], dict[col.flags[i]]];
  }
  function keyOf(i, k) {
    switch (k) {
      case 0: return col.id[i];
      case 1: return ep(col.clientIp[i], col.clientPort[i]);
      case 2: return ep(col.serverIp[i], col.serverPort[i]);
      case 3: return col.packetsClient[i] + col.packetsServer[i];
      case 4: return col.bytesClient[i] + col.bytesServer[i];
      case 5: return startOf(i);
      case 6: return col.durationMs[i] / 1000;
      case 7: return closerOf(i);
      case 8: return resetsOf(i);
      case 9: return dict[col.final[i]];
      default: return dict[col.flags[i]];
    }
  }
  var texts = null;
  function textOf(i) {
    if (texts === null) texts = new Array(n);
    var t = texts[i];
    if (typeof t !== 'string') {
      t = texts[i] = ('#' + col.id[i] + ' ' + ep(col.clientIp[i], col.clientPort[i]) + ' ' + ep(col.serverIp[i], col.serverPort[i]) + ' ' + dict[col.flags[i]] + ' ' +
        dict[col.outcome[i]] + ' ' + dict[col.final[i]] + ' ' + closerOf(i) + ' ' + resetsOf(i)).toLowerCase();
    }
    return t;
  }
  var idsAscending = true;
  for (var i = 1; i < n; i++) if (col.id[i] <= col.id[i - 1]) { idsAscending = false; break; }
  var drawn = {}; data.drawn.forEach(function (id) { drawn[id] = true; });
  var state = { filter: '', from: null, to: null, sort: 0, dir: 1, page: 0 };
  var PAGE = 100;
  var tbody = $('#conn-table tbody');
  function wordsOf(filter) { return filter ? filter.split(/\\s+/).filter(function (w) { return w; }) : []; }
  function matches(text, s, e) {
    var words = wordsOf(state.filter);
    if (words.some(function (w) { return text.indexOf(w) < 0; })) return false;
    if (state.from !== null && (e < state.from || s > state.to)) return false;
    return true;
  }
  function renderTable() {
    var words = wordsOf(state.filter);
    var shown = [];
    for (var i = 0; i < n; i++) {
      if (state.from !== null && (endOf(i) < state.from || startOf(i) > state.to)) continue;
      if (words.length > 0) { var t = textOf(i); if (words.some(function (w) { return t.indexOf(w) < 0; })) continue; }
      shown.push(i);
    }
    var k = state.sort, d = state.dir;
    // Rows are in id order already: only another order is sorted, on that column's keys made once.
    if (!(k === 0 && d === 1 && idsAscending)) {
      var pairs = shown.map(function (i) { return [keyOf(i, k), i]; });
      pairs.sort(function (a, b) { var x = a[0], y = b[0]; return (x < y ? -1 : x > y ? 1 : col.id[a[1]] - col.id[b[1]]) * d; });
      shown = pairs.map(function (p) { return p[1]; });
    }
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    tbody.textContent = '';
    shown.slice(state.page * PAGE, state.page * PAGE + PAGE).forEach(function (i) {
      var tr = document.createElement('tr'), id = col.id[i];
      cellsOf(i).forEach(function (v, c) {
        var td = document.createElement('td');
        if (c === 0) { var a = document.createElement('a'); a.href = '#' + (drawn[id] ? 'conn-' : 'lane-') + id; a.textContent = v; td.appendChild(a); }
        else td.textContent = v;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    $('#table-status').textContent = shown.length + ' of ' + n + ' connection(s)' + (state.filter ? ' matching "' + state.filter + '"' : '') +
      (state.from !== null ? ' in the zoomed time range' : '') + '.';
    $('.pager').hidden = pages <= 1;
    $('#page-no').textContent = 'page ' + (state.page + 1) + ' of ' + pages;
  }
  function filterLanes() {
    $$('.lane').forEach(function (g) {
      var ok = matches(g.getAttribute('data-filter').toLowerCase(), +g.getAttribute('data-start') - t0(), +g.getAttribute('data-end') - t0());
      g.classList.toggle('hidden', !ok);
      var marks = $('.lane-marks[data-lane="' + g.id.slice(5) + '"]');
      if (marks) marks.classList.toggle('hidden', !ok);
    });
  }
  var axis = $('.timeline .axis');
  function t0() { return +axis.getAttribute('data-t0'); }
  function zoom(from, to) {
    var a = +axis.getAttribute('data-t0'), b = +axis.getAttribute('data-t1'), x0 = +axis.getAttribute('data-x0'), x1 = +axis.getAttribute('data-x1');
    var full = from === null;
    var f = full ? a : from + a, t = full ? b : to + a;
    var k = (b - a) / Math.max(1e-9, t - f);
    var px = function (time) { return x0 + (time - a) / (b - a) * (x1 - x0); };
    $('.timeline .zoomable').setAttribute('transform', full ? '' : 'translate(' + (x0 - k * px(f)) + ',0) scale(' + k + ',1)');
    $('.timeline').setAttribute('data-zoom', full ? '1' : String(k));
    $$('.timeline .tick').forEach(function (tick, i, all) { tick.textContent = '+' + ((f - a) + i / (all.length - 1) * (t - f)).toFixed(3) + ' s'; });
    state.from = full ? null : from; state.to = full ? null : to; state.page = 0;
    $('#zoom-range').textContent = full ? 'whole capture' : 'zoomed to +' + from.toFixed(3) + ' s … +' + to.toFixed(3) + ' s';
    $('#zoom-reset').hidden = full;
    var brush = $('.overview .brush');
    if (full) brush.setAttribute('width', 0);
    filterLanes(); renderTable();
  }
  var ov = $('.overview');
  if (ov) {
    var brush = $('.brush', ov), bx0 = +brush.getAttribute('data-x0'), bx1 = +brush.getAttribute('data-x1');
    var span = +brush.getAttribute('data-t1') - +brush.getAttribute('data-t0');
    var toX = function (ev) { var p = ov.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY; return Math.max(bx0, Math.min(bx1, p.matrixTransform(ov.getScreenCTM().inverse()).x)); };
    var startX = null;
    ov.addEventListener('pointerdown', function (ev) { startX = toX(ev); brush.setAttribute('x', startX); brush.setAttribute('width', 0); });
    ov.addEventListener('pointermove', function (ev) { if (startX === null) return; var x = toX(ev); brush.setAttribute('x', Math.min(x, startX)); brush.setAttribute('width', Math.abs(x - startX)); });
    window.addEventListener('pointerup', function (ev) {
      if (startX === null) return;
      var x = toX(ev), a = Math.min(x, startX), b = Math.max(x, startX); startX = null;
      if (b - a < 3) { zoom(null, null); return; }
      zoom((a - bx0) / (bx1 - bx0) * span, (b - bx0) / (bx1 - bx0) * span);
    });
  }
  $('#zoom-reset').addEventListener('click', function () { zoom(null, null); });
  var box = $('#filter');
  box.hidden = false;
  box.addEventListener('input', function () { state.filter = box.value.trim().toLowerCase(); state.page = 0; filterLanes(); renderTable(); });
  $$('#conn-table th').forEach(function (th) {
    th.addEventListener('click', function () {
      var c = +th.getAttribute('data-col');
      state.dir = state.sort === c ? -state.dir : 1; state.sort = c;
      $$('#conn-table th').forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending');
      renderTable();
    });
  });
  $('#page-prev').addEventListener('click', function () { state.page = Math.max(0, state.page - 1); renderTable(); });
  $('#page-next').addEventListener('click', function () { state.page++; renderTable(); });
  $$('button.copy').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var text = b.previousElementSibling.textContent;
      var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
      // A clipboard write waiting on a permission prompt never settles: fall back after a second.
      var settled = false, once = function (f) { return function () { if (!settled) { settled = true; f(); } }; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(once(done), once(fallback));
        setTimeout(once(fallback), 1000);
      } else fallback();
      function fallback() { var t = document.createElement('textarea'); t.value = text; document.body.appendChild(t); t.select(); document.execCommand('copy'); t.remove(); done(); }
    });
  });
  var tip = document.createElement('div'); tip.id = 'tip'; tip.hidden = true; document.body.appendChild(tip);
  document.addEventListener('mouseover', function (ev) {
    var el = ev.target, title = null;
    while (el && el !== document && !title) { title = el.querySelector && $(':scope > title', el); el = el.parentNode; }
    if (!title) { tip.hidden = true; return; }
    tip.textContent = title.textContent; tip.hidden = false;
  });
  document.addEventListener('mousemove', function (ev) { tip.style.left = (ev.clientX + 12) + 'px'; tip.style.top = (ev.clientY + 12) + 'px'; });
  renderTable();
})();
`;
