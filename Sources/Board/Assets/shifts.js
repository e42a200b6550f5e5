/* The shift table (/shifts): by=shift periods, sortable, with a CSV link. */
'use strict';

(function () {
  const B = window.Board;
  const { el, setText, setAttr } = B;
  const $ = (id) => document.getElementById(id);

  const form = $('filter');
  const fromInput = $('from');
  const toInput = $('to');
  const machineSelect = $('machine');
  const csvLink = $('csv');
  const table = $('shift-table');
  const errorNode = $('error');

  const num = (v) => (v == null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

  // Column definitions: one place for header, cell and sort key.
  const COLUMNS = [
    { key: 'cnc_id', label: 'Machine', type: 'text', get: (p) => (p.cnc_id == null ? '' : String(p.cnc_id)),
      cell: (p) => el('td', {}, el('a', { href: B.machineUrl(p.cnc_id), text: p.cnc_id })) },
    { key: 'shift', label: 'Shift', type: 'text', get: (p) => (p.shift == null ? '' : String(p.shift)),
      cell: (p) => el('td', { class: p.shift == null ? 'muted' : null, text: p.shift == null ? 'no shift' : p.shift }) },
    { key: 'from', label: 'From', type: 'num', get: (p) => B.parseTime(p.from),
      cell: (p) => el('td', { title: B.fmtTime(p.from, 'full'), text: B.fmtTime(p.from, 'dmhm') }) },
    { key: 'to', label: 'To', type: 'num', get: (p) => B.parseTime(p.to),
      cell: (p) => el('td', { title: B.fmtTime(p.to, 'full'), text: B.fmtTime(p.to, 'dmhm') }) },
    ...B.STATUSES.map((s) => ({
      key: s, label: B.statusLabel(s), status: s, type: 'num', get: (p) => num(p.seconds && p.seconds[s]),
      cell: (p) => el('td', { class: 'num', text: B.fmtHM(num(p.seconds && p.seconds[s])) }),
    })),
    { key: 'availability', label: 'Availability', type: 'num', get: (p) => num(p.availability),
      cell: (p) => el('td', { class: 'num', text: B.fmtPct(num(p.availability)) }) },
    { key: 'parts', label: 'Parts', type: 'num', get: (p) => num(p.parts),
      cell: (p) => el('td', { class: 'num', text: num(p.parts) == null ? '—' : B.fmtNum(num(p.parts)) }) },
    { key: 'performance', label: 'Performance', type: 'num', get: (p) => num(p.performance),
      cell: (p) => el('td', { class: 'num', text: B.fmtPct(num(p.performance)) }) },
  ];

  let rows = [];                 // [{period, tr}]
  let sort = { key: null, dir: 'ascending' };
  let loadSeq = 0;

  // ------------------------------------------------------------------ table

  const headRow = table.tHead.rows[0];
  const headCells = COLUMNS.map((c) => {
    const th = el('th', { scope: 'col', class: c.type === 'num' && c.key !== 'from' && c.key !== 'to' ? 'num' : null, 'data-key': c.key },
      el('button', { type: 'button', 'data-key': c.key, title: 'Sort by ' + c.label },
        c.status ? B.statusIcon(c.status) : null, el('span', { text: c.label })));
    if (c.status) th.setAttribute('data-status', c.status);
    headRow.append(th);
    return th;
  });

  headRow.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-key]');
    if (!btn) return;
    const key = btn.dataset.key;
    sort = { key, dir: sort.key === key && sort.dir === 'ascending' ? 'descending' : 'ascending' };
    applySort();
  });

  function compare(col, dir) {
    const sign = dir === 'descending' ? -1 : 1;
    const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    return (a, b) => {
      const va = col.get(a.period), vb = col.get(b.period);
      const na = va == null || va === '' || (typeof va === 'number' && !Number.isFinite(va));
      const nb = vb == null || vb === '' || (typeof vb === 'number' && !Number.isFinite(vb));
      if (na || nb) return na === nb ? a.i - b.i : na ? 1 : -1; // empty values last, either direction
      const r = col.type === 'num' ? va - vb : collator.compare(va, vb);
      return r !== 0 ? sign * r : a.i - b.i;
    };
  }

  function applySort() {
    headCells.forEach((th, i) => {
      if (COLUMNS[i].key === sort.key) setAttr(th, 'aria-sort', sort.dir);
      else th.removeAttribute('aria-sort');
    });
    const ordered = rows.slice();
    const col = COLUMNS.find((c) => c.key === sort.key);
    if (col) ordered.sort(compare(col, sort.dir));
    const tbody = table.tBodies[0];
    if (ordered.length) tbody.replaceChildren(...ordered.map((r) => r.tr));
  }

  function render(periods) {
    rows = periods.map((p, i) => ({ period: p, i, tr: el('tr', { 'data-cnc-id': p.cnc_id }, COLUMNS.map((c) => c.cell(p))) }));
    const tbody = table.tBodies[0];
    if (!rows.length) tbody.replaceChildren(el('tr', {}, el('td', { colspan: COLUMNS.length, class: 'muted', text: 'No shifts in this range.' })));
    applySort();
  }

  // ---------------------------------------------------------------- filters

  function query() {
    const n = B.now();
    const from = B.fromLocalInput(fromInput.value);
    const toDay = B.fromLocalInput(toInput.value);
    if (!Number.isFinite(from) || !Number.isFinite(toDay)) return null;
    const to = Math.min(B.plantDayStart(toDay, 1), Math.max(n, from + 1)); // "to" date is inclusive; not past now
    if (!(to > from)) return null;
    return { by: 'shift', from: B.isoZ(from), to: B.isoZ(to), cnc_id: machineSelect.value || null };
  }

  async function load() {
    const q = query();
    if (!q) { B.showError(errorNode, '"From" must be a date on or before "To".'); return; }
    B.showError(errorNode, '');
    const url = '/api/availability' + B.qs(q);
    setAttr(csvLink, 'href', url + '&format=csv');
    history.replaceState(null, '', '/shifts' + B.qs({ from: fromInput.value, to: toInput.value, cnc_id: machineSelect.value || null }));
    const seq = ++loadSeq;
    table.setAttribute('aria-busy', 'true');
    let body;
    try {
      body = await B.fetchJSON(url);
    } catch (e) {
      if (seq === loadSeq) { B.showError(errorNode, 'Cannot load shifts: ' + e.message); table.removeAttribute('aria-busy'); }
      return;
    }
    if (seq !== loadSeq) return;
    table.removeAttribute('aria-busy');
    const periods = body.periods || [];
    render(periods);
    setText($('summary'), periods.length + ' shift period' + (periods.length === 1 ? '' : 's') + ', ' +
      B.fmtTime(body.from || q.from, 'dhm') + ' – ' + B.fmtTime(body.to || q.to, 'dhm') +
      (B.timeZone() ? ' · times in ' + B.timeZone() : '') + ' · durations as h:mm');
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  machineSelect.addEventListener('change', load);

  // ------------------------------------------------------------------ start

  async function start() {
    const params = new URLSearchParams(location.search);
    let machines = [];
    try {
      const body = await B.fetchJSON('/api/machines');
      if (body.plant) B.setTimeZone(body.plant.time_zone);
      B.syncClock(body.generated_at);
      machines = body.machines || [];
    } catch (e) {
      B.showError(errorNode, 'Cannot load the machine list (' + e.message + '); times are shown in this browser\u2019s zone.');
    }
    const wanted = params.get('cnc_id') || '';
    const ids = [...new Set(machines.map((m) => String(m.cnc_id)))];
    if (wanted && !ids.includes(wanted)) ids.push(wanted);
    ids.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    machineSelect.append(...ids.map((id) => el('option', { value: id, text: id })));
    machineSelect.value = wanted;

    const n = B.now();
    const okDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');
    fromInput.value = okDate(params.get('from')) ? params.get('from') : B.toDateInput(B.plantDayStart(n, -6));
    toInput.value = okDate(params.get('to')) ? params.get('to') : B.toDateInput(n);
    load();
  }

  start();
})();
