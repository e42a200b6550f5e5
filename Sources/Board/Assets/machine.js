/* One machine's page (/machines/{cnc_id}): summary, timeline, parts, shifts, messages, rejections. */
'use strict';

(function () {
  const B = window.Board;
  const { el, setText, setAttr } = B;
  const $ = (id) => document.getElementById(id);

  let cncId = '';
  try {
    cncId = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() || '');
  } catch (e) {
    cncId = location.pathname.split('/').pop() || '';
  }
  const apiMachine = '/api/machines/' + encodeURIComponent(cncId);

  const page = $('page');
  const errorNode = $('error');
  let tile = null;
  let range = { mode: 'shift' };         // shift | today | 24h | custom (from, to: ms)
  let timelineSeq = 0;
  let lastRefresh = Date.now();
  let refreshTimer = null;

  // -------------------------------------------------------------- helpers

  function fillTable(tbody, rows, emptyText, cols) {
    if (!rows.length) {
      tbody.replaceChildren(el('tr', {}, el('td', { colspan: cols, class: 'muted', text: emptyText })));
      return;
    }
    tbody.replaceChildren(...rows);
  }

  const td = (text, cls) => el('td', { class: cls, text: text == null ? '—' : text });

  /**
   * A bar chart of divs. items: [{value: number|null, label, title, valueLabel}].
   * Bars are list items with an aria-label, so the chart reads as a list.
   */
  function barChart(items, opts) {
    const max = opts.max != null ? opts.max : Math.max(1, ...items.map((i) => i.value || 0));
    const every = Math.max(1, Math.ceil(items.length / (opts.maxLabels || 12)));
    const showValues = items.length <= (opts.maxValues || 24);
    const bars = el('div', { class: 'bars' + (opts.wide ? ' wide' : ''), role: 'list', 'aria-label': opts.label });
    const labels = el('div', { class: 'bar-labels', 'aria-hidden': 'true' });
    items.forEach((it, i) => {
      const h = it.value == null ? 0 : Math.max(0, Math.min(1, it.value / max)) * 100;
      const fill = el('div', { class: 'bar-fill ' + (it.value == null ? 'empty' : (opts.fillClass || '')) });
      fill.style.height = it.value == null ? '0' : h + '%';
      const bar = el('div', { class: 'bar', role: 'listitem', title: it.title, 'aria-label': it.title }, fill);
      if (showValues) {
        const v = el('span', { class: 'bar-value', text: it.valueLabel });
        v.style.bottom = 'calc(' + h + '% + 2px)';
        bar.append(v);
      }
      bars.append(bar);
      labels.append(el('span', { text: i % every === 0 ? it.label : '' }));
    });
    return [bars, labels];
  }

  // ---------------------------------------------------------- detail/summary

  async function loadDetail() {
    const body = await B.fetchJSON(apiMachine);
    renderDetail(body);
    return body;
  }

  function renderDetail(body) {
    const m = body.machine;
    if (m) {
      if (!tile) {
        tile = new B.MachineTile(m, { link: false });
        $('summary').replaceChildren(tile.el);
      } else tile.update(m);
    }
    renderMessages(body.messages || []);
    renderRejections(body.rejections || []);
  }

  function tagList(label, values, cls, title) {
    if (!values || !values.length) return null;
    return el('span', { class: 'tags' }, el('span', { class: 'muted', text: label + ' ' }),
      values.map((v) => [el('span', { class: 'tag ' + cls, title, text: v }), ' ']));
  }

  function renderMessages(list) {
    const box = $('msg-list');
    if (!list.length) { box.replaceChildren(el('p', { class: 'muted', text: 'No messages stored for this machine.' })); return; }
    box.replaceChildren(...list.map((x) => el('article', { class: 'msg', 'data-status': x.status || 'unknown', 'data-message-id': x.message_id },
      el('div', { class: 'msg-head' },
        el('time', { class: 'msg-time', datetime: x.received_at, title: 'received ' + B.fmtTime(x.received_at, 'full') }, B.fmtTime(x.received_at, 'dhms')),
        B.statusChip(x.status),
        el('span', {}, 'program ', el('b', { text: x.part_program == null ? 'no program' : x.part_program })),
        x.ts ? el('span', { class: 'muted', title: 'time stamp sent by the machine', text: 'machine time ' + B.fmtTime(x.ts, 'hms') }) : null,
        tagList('quality:', x.quality, 'quality', 'quality mark'),
        tagList('unknown variables:', x.unknown_variables, 'unknown-var', 'variable not in the type description'),
      ),
      el('pre', { class: 'raw', title: 'topic and payload as stored', text: (x.topic ? x.topic + '\n' : '') + JSON.stringify(x.payload == null ? null : x.payload) }))));
  }

  function renderRejections(list) {
    fillTable($('rej-table').tBodies[0], list.map((r) => el('tr', { 'data-message-id': r.message_id },
      el('td', { title: B.fmtTime(r.rejected_at, 'full') }, el('time', { datetime: r.rejected_at, text: B.fmtTime(r.rejected_at, 'dhms') })),
      td(r.stage),
      td(r.reason),
      el('td', {}, el('pre', { class: 'raw', text: r.raw == null ? '' : r.raw })))), 'No rejected messages.', 4);
  }

  // -------------------------------------------------------------- timeline

  const gantt = $('gantt');
  const axis = $('axis');
  const detail = $('seg-detail');
  const wrap = $('gantt-wrap');
  const segInfo = new WeakMap();
  let pinned = null;

  function rangeParams() {
    const n = B.now();
    switch (range.mode) {
      case 'today': return { from: B.isoZ(B.plantDayStart(n)), to: B.isoZ(n) };
      case '24h': return { from: B.isoZ(n - 864e5), to: B.isoZ(n) };
      case 'custom': return { from: B.isoZ(range.from), to: B.isoZ(range.to) };
      default: return {}; // the server's default: the current shift, or the last 8 h
    }
  }

  async function loadTimeline() {
    const seq = ++timelineSeq;
    const q = rangeParams();
    let body;
    try {
      body = await B.fetchJSON(apiMachine + '/intervals' + B.qs(q));
    } catch (e) {
      if (seq === timelineSeq) B.showError($('timeline-error'), 'Cannot load the timeline: ' + e.message);
      return;
    }
    if (seq !== timelineSeq) return;
    B.showError($('timeline-error'), '');
    renderTimeline(body);
    loadParts(body.from || q.from, body.to || q.to, seq);
  }

  function renderTimeline(body) {
    const a = B.parseTime(body.from), b = B.parseTime(body.to);
    const span = Math.max(1, b - a);
    setText($('range-label'), B.fmtTime(a, 'dhm') + ' – ' + B.fmtTime(b, 'dhm') + (B.timeZone() ? ' (' + B.timeZone() + ')' : ''));
    // Show the range in the picker unless someone is typing in it.
    if (!$('range-form').contains(document.activeElement) && Number.isFinite(a) && Number.isFinite(b)) {
      $('range-from').value = B.toLocalInput(a);
      $('range-to').value = B.toLocalInput(b);
    }

    hideDetail(true);
    const segs = [], rows = [], totals = {};
    let sum = 0;
    for (const iv of body.intervals || []) {
      const f0 = B.parseTime(iv.from), t0 = iv.to == null ? b : B.parseTime(iv.to);
      const secs = iv.seconds != null ? Number(iv.seconds) : (t0 - f0) / 1000;
      const st = iv.status || 'unknown';
      totals[st] = (totals[st] || 0) + secs;
      sum += secs;
      const label = B.statusLabel(st) + ', ' + B.fmtTime(f0, 'dhm') + ' to ' + (iv.open ? 'now' : B.fmtTime(t0, 'dhm')) +
        ', ' + B.fmtDuration(secs) + ', program ' + (iv.part_program == null ? 'none' : iv.part_program);
      rows.push(el('tr', { 'data-status': st },
        el('td', {}, B.statusChip(st)),
        td(B.fmtTime(f0, 'dhms')),
        td(iv.open ? 'ongoing' : B.fmtTime(t0, 'dhms')),
        td(B.fmtDuration(secs), 'num'),
        td(iv.part_program == null ? 'no program' : iv.part_program)));
      const f = Math.max(a, f0), t = Math.min(b, t0);
      if (!(t > f)) continue;
      const seg = el('button', {
        type: 'button', class: 'segment st-fill', 'data-status': st,
        'data-from': iv.from, 'data-to': iv.to, 'aria-label': label,
      });
      seg.style.left = ((f - a) / span * 100) + '%';
      seg.style.width = ((t - f) / span * 100) + '%';
      segInfo.set(seg, iv);
      segs.push(seg);
    }
    gantt.replaceChildren(...segs);
    if (!segs.length) gantt.append(el('p', { class: 'muted', text: 'No status data in this range.', style: 'margin:.8em' }));
    fillTable($('intervals-table').tBodies[0], rows, 'No intervals in this range.', 5);
    renderAxis(a, b);

    const legend = B.STATUSES.filter((s) => totals[s]).concat(Object.keys(totals).filter((s) => !B.STATUSES.includes(s)))
      .map((s) => B.statusChip(s, B.fmtDuration(totals[s]) + (sum > 0 ? ' · ' + B.fmtPct(totals[s] / sum) : '')));
    $('legend').replaceChildren(...legend);
  }

  let lastAxis = null;
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (lastAxis) renderAxis(lastAxis[0], lastAxis[1]); }, 150);
  });

  function renderAxis(a, b) {
    const span = b - a;
    const H = 3600e3;
    const ticks = [];
    if (!(span > 0)) { axis.replaceChildren(); return; }
    lastAxis = [a, b];
    const maxTicks = Math.max(2, Math.min(12, Math.floor((axis.clientWidth || 800) / 90)));
    const hours = [1, 2, 3, 4, 6, 12].find((h) => span / (h * H) <= maxTicks);
    if (hours) {
      const q = 15 * 60e3;
      for (let t = Math.ceil(a / q) * q; t <= b; t += q) {
        const p = B.plantParts(t);
        if (p[4] === 0 && p[3] % hours === 0) ticks.push([t, B.fmtTime(t, p[3] === 0 && span > 12 * H ? 'date' : 'hm')]);
      }
    } else {
      const days = Math.max(1, Math.ceil(span / (864e5 * maxTicks)));
      let t = B.plantDayStart(a, a === B.plantDayStart(a) ? 0 : 1);
      for (let i = 0; t <= b && i < 400; i++, t = B.plantDayStart(t, days)) ticks.push([t, B.fmtTime(t, 'date')]);
    }
    axis.replaceChildren(...ticks.map(([t, text]) => {
      const pos = (t - a) / span * 100;
      const s = el('span', { text, class: pos < 3 ? 'start' : pos > 97 ? 'end' : null });
      s.style.left = pos + '%';
      return s;
    }));
  }

  function showDetail(seg) {
    const iv = segInfo.get(seg);
    if (!iv) return;
    for (const s of gantt.querySelectorAll('.segment.active')) if (s !== seg) s.classList.remove('active');
    seg.classList.add('active');
    const st = iv.status || 'unknown';
    const f = B.parseTime(iv.from), t = iv.to == null ? NaN : B.parseTime(iv.to);
    const secs = iv.seconds != null ? Number(iv.seconds) : (t - f) / 1000;
    setAttr(detail, 'data-status', st);
    detail.replaceChildren(
      el('h3', {}, B.statusIcon(st), el('span', { text: B.statusLabel(st) + (iv.open ? ' (ongoing)' : '') })),
      el('dl', {},
        el('dt', { text: 'From' }), el('dd', { text: B.fmtTime(f, 'dhms') }),
        el('dt', { text: 'To' }), el('dd', { text: iv.open ? 'now (' + B.fmtTime(t, 'dhms') + ')' : B.fmtTime(t, 'dhms') }),
        el('dt', { text: 'Duration' }), el('dd', { text: B.fmtDuration(secs) }),
        el('dt', { text: 'Program' }), el('dd', { text: iv.part_program == null ? 'no program' : iv.part_program })));
    detail.hidden = false;
    const wr = wrap.getBoundingClientRect(), r = seg.getBoundingClientRect();
    const w = detail.offsetWidth;
    const x = Math.max(0, Math.min(wr.width - w, r.left + r.width / 2 - wr.left - w / 2));
    detail.style.left = x + 'px';
  }

  function hideDetail(force) {
    if (pinned && !force) return;
    pinned = null;
    detail.hidden = true;
    for (const s of gantt.querySelectorAll('.segment.active')) s.classList.remove('active');
  }

  gantt.addEventListener('mouseover', (e) => {
    const seg = e.target.closest('.segment');
    if (seg && !pinned) showDetail(seg);
  });
  gantt.addEventListener('mouseleave', () => hideDetail(false));
  gantt.addEventListener('focusin', (e) => {
    const seg = e.target.closest('.segment');
    if (seg) { pinned = null; showDetail(seg); }
  });
  gantt.addEventListener('click', (e) => {
    const seg = e.target.closest('.segment');
    if (!seg) return;
    if (pinned === seg) { hideDetail(true); return; }
    showDetail(seg);
    pinned = seg;
  });
  document.addEventListener('click', (e) => {
    if (pinned && !gantt.contains(e.target) && !detail.contains(e.target)) hideDetail(true);
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hideDetail(true); });
  gantt.addEventListener('focusout', (e) => { if (!gantt.contains(e.relatedTarget)) hideDetail(true); });

  // Range controls
  function setMode(mode) {
    for (const btn of $('range-buttons').querySelectorAll('button')) setAttr(btn, 'aria-pressed', String(btn.dataset.range === mode));
  }
  $('range-buttons').addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-range]');
    if (!btn) return;
    range = { mode: btn.dataset.range };
    setMode(range.mode);
    loadTimeline();
  });
  $('range-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = B.fromLocalInput($('range-from').value), to = B.fromLocalInput($('range-to').value);
    if (!Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) {
      B.showError($('timeline-error'), '"From" must be before "To".');
      return;
    }
    range = { mode: 'custom', from, to };
    setMode('custom');
    loadTimeline();
  });

  // ------------------------------------------------------------ parts/hour

  async function loadParts(from, to, seq) {
    const box = $('parts-chart');
    let body;
    try {
      body = await B.fetchJSON('/api/availability' + B.qs({ from, to, step: 3600, cnc_id: cncId }));
    } catch (e) {
      if (seq === timelineSeq) box.replaceChildren(el('p', { class: 'error-banner', text: 'Cannot load parts: ' + e.message }));
      return;
    }
    if (seq !== timelineSeq) return;
    const periods = (body.periods || []).filter((p) => p.cnc_id == null || String(p.cnc_id) === cncId);
    if (!periods.length) { box.replaceChildren(el('p', { class: 'muted', text: 'No data in this range.' })); return; }
    if (periods.every((p) => p.parts == null)) {
      box.replaceChildren(el('p', { class: 'muted', text: 'This machine type does not count parts.' }));
      return;
    }
    const total = periods.reduce((s, p) => s + (p.parts || 0), 0);
    const items = periods.map((p) => ({
      value: p.parts,
      label: B.fmtTime(p.from, periods.length > 30 ? 'date' : 'hm'),
      valueLabel: p.parts == null ? '' : String(p.parts),
      title: B.fmtRange(p.from, p.to) + ': ' + (p.parts == null ? 'no count' : p.parts + ' part' + (p.parts === 1 ? '' : 's')),
    }));
    box.replaceChildren(
      el('p', { class: 'muted', text: total + ' parts in ' + periods.length + ' hour' + (periods.length === 1 ? '' : 's') }),
      ...barChart(items, { label: 'Parts per hour', maxLabels: 12, maxValues: 30 }));
  }

  // ------------------------------------------------------ shift availability

  async function loadShifts() {
    const n = B.now();
    const q = { by: 'shift', from: B.isoZ(B.plantDayStart(n, -6)), to: B.isoZ(n), cnc_id: cncId };
    let body;
    try {
      body = await B.fetchJSON('/api/availability' + B.qs(q));
    } catch (e) {
      $('shift-chart').replaceChildren(el('p', { class: 'error-banner', text: 'Cannot load availability: ' + e.message }));
      return;
    }
    const periods = (body.periods || []).filter((p) => p.cnc_id == null || String(p.cnc_id) === cncId);
    const name = (p) => (p.shift == null ? 'no shift' : p.shift);
    const items = periods.map((p) => ({
      value: p.availability,
      label: B.fmtTime(p.from, 'date') + ' ' + name(p),
      valueLabel: B.fmtPct(p.availability),
      title: name(p) + ', ' + B.fmtRange(p.from, p.to) + ': availability ' + B.fmtPct(p.availability),
    }));
    $('shift-chart').replaceChildren(...(items.length
      ? barChart(items, { max: 1, wide: true, label: 'Availability per shift', fillClass: 'avail-fill', maxLabels: 60, maxValues: 60 })
      : [el('p', { class: 'muted', text: 'No shifts in the last 7 days.' })]));
    fillTable($('shift-table').tBodies[0], periods.slice().reverse().map((p) => el('tr', {},
      td(name(p)), td(B.fmtTime(p.from, 'dhm')), td(B.fmtTime(p.to, 'dhm')),
      td(B.fmtHM(p.seconds && p.seconds.running), 'num'), td(B.fmtHM(p.known_s), 'num'),
      td(B.fmtPct(p.availability), 'num'), td(p.parts == null ? '—' : String(p.parts), 'num'),
      td(B.fmtPct(p.performance), 'num'))), 'No shifts in the last 7 days.', 8);
  }

  // --------------------------------------------------------------- refresh

  /** Re-fetch messages and timeline, at most every 5 s. */
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      lastRefresh = Date.now();
      try { await loadDetail(); B.showError(errorNode, ''); } catch (e) { B.showError(errorNode, 'Cannot refresh: ' + e.message); }
      if (range.mode !== 'custom') loadTimeline();
    }, Math.max(0, lastRefresh + 5000 - Date.now()));
  }

  function onMachine(m) {
    if (!m || String(m.cnc_id) !== cncId) return;
    if (tile) tile.update(m);
    scheduleRefresh();
  }

  function notFound(message) {
    page.replaceChildren(el('section', { class: 'card' },
      el('h1', { text: 'Machine not found' }),
      el('p', { text: message }),
      el('p', {}, el('a', { href: '/', text: 'Back to the board' }))));
    page.removeAttribute('aria-busy');
  }

  // ------------------------------------------------------------------ start

  async function start() {
    document.title = cncId + ' — Shop floor';
    const [plantRes, detailRes] = await Promise.allSettled([B.fetchJSON('/api/machines'), B.fetchJSON(apiMachine)]);
    let after = '';
    if (plantRes.status === 'fulfilled') {
      const b = plantRes.value;
      if (b.plant) B.setTimeZone(b.plant.time_zone);
      B.syncClock(b.generated_at);
      if (b.event_id != null) after = b.event_id;
    }
    if (detailRes.status === 'rejected') {
      const e = detailRes.reason;
      if (e.status === 404) { notFound(e.message); return; }
      B.showError(errorNode, 'Cannot load ' + cncId + ': ' + e.message + ' — retrying in 5 s');
      setTimeout(start, 5000);
      return;
    }
    B.showError(errorNode, '');
    renderDetail(detailRes.value);
    page.removeAttribute('aria-busy');
    B.everySecond((t) => {
      if (tile) tile.tick(t);
      setText($('clock'), B.fmtTime(t, 'hm'));
    });
    setText($('clock'), B.fmtTime(B.now(), 'hm'));
    loadTimeline();
    loadShifts();
    new B.LiveStream({
      after,
      indicator: $('live'),
      onMachine,
      onPlant: (p) => p && B.setTimeZone(p.time_zone),
      onSnapshot: (body) => {
        if (!body) return;
        B.syncClock(body.generated_at);
        if (body.plant) B.setTimeZone(body.plant.time_zone);
        const m = (body.machines || []).find((x) => x && String(x.cnc_id) === cncId);
        if (m && tile && tile.update(m)) scheduleRefresh();
      },
    }).start();
  }

  start();
})();
