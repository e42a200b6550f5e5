/* The board (/): a tile per machine, grouped by line, live via /api/events. */
'use strict';

(function () {
  const B = window.Board;
  const { el, setText, setAttr } = B;

  const main = document.getElementById('lines');
  const countsBox = document.getElementById('counts');
  const availBox = document.getElementById('availability');
  const liveNode = document.getElementById('live');
  const clockNode = document.getElementById('clock');
  const errorNode = document.getElementById('error');

  const NO_LINE = '\u0000no-line';
  const tiles = new Map();   // cnc_id → MachineTile (tile.lineKey set here)
  const groups = new Map();  // line key → {section, grid, count}
  let counts = {};
  let stream = null;

  const lineKey = (m) => (m.line == null || m.line === '' ? NO_LINE : String(m.line));
  const lineName = (key) => (key === NO_LINE ? 'No line' : key);
  const idOf = (m) => String(m.cnc_id);

  // --------------------------------------------------------------- header

  const countNodes = {};
  for (const s of B.STATUSES) {
    const n = el('b', { class: 'chip-count', 'data-count-status': s, text: '0' });
    countNodes[s] = n;
    countsBox.append(el('span', { class: 'chip', 'data-status': s }, B.statusIcon(s), el('span', { class: 'chip-label', text: B.statusLabel(s) }), n));
  }
  const totalNode = el('span', { class: 'total' });
  countsBox.append(totalNode);

  function renderCounts() {
    for (const s of B.STATUSES) {
      const n = Number(counts[s]) || 0;
      setText(countNodes[s], String(n));
      countNodes[s].parentNode.classList.toggle('zero', n === 0);
    }
    setText(totalNode, tiles.size + ' machine' + (tiles.size === 1 ? '' : 's'));
  }

  function countsFromTiles() {
    const c = {};
    for (const t of tiles.values()) { const s = B.statusKey(t.m.status); c[s] = (c[s] || 0) + 1; }
    return c;
  }

  const availValue = el('span', { class: 'avail-value' });
  const availLabel = el('span', { class: 'avail-label' });
  availBox.append(availValue, availLabel);

  function renderPlant(plant) {
    if (!plant) return;
    B.setTimeZone(plant.time_zone);
    setText(availValue, B.fmtPct(plant.availability));
    const sh = plant.shift;
    setText(availLabel, 'availability · ' + (sh ? 'shift ' + (sh.name || '?') + ' ' + B.fmtRange(sh.from, sh.to) : 'no shift'));
    setAttr(availBox, 'title', 'Running share of the plant ' + (sh ? 'this shift' : '(no current shift)') + (plant.time_zone ? ' · times in ' + plant.time_zone : ''));
    if (plant.counts && typeof plant.counts === 'object') counts = Object.assign({}, plant.counts);
    else counts = countsFromTiles();
    renderCounts();
  }

  // ---------------------------------------------------------------- groups

  function makeGroup(key) {
    const count = el('span', { class: 'line-count' });
    const grid = el('div', { class: 'grid' });
    const section = el('section', { class: 'line', 'data-line': key === NO_LINE ? '' : key },
      el('h2', { class: 'line-title' }, el('span', { text: lineName(key) }), count), grid);
    const g = { key, section, grid, count };
    groups.set(key, g);
    return g;
  }

  function refreshGroupCount(g) {
    const n = g.grid.childElementCount;
    setText(g.count, n + ' machine' + (n === 1 ? '' : 's'));
  }

  /** Make parent's element children exactly `nodes`, in order, moving as little as possible. */
  function syncChildren(parent, nodes) {
    let i = 0;
    for (const n of nodes) {
      const at = parent.children[i];
      if (at !== n) parent.insertBefore(n, at || null);
      i++;
    }
    while (parent.children.length > nodes.length) parent.lastElementChild.remove();
  }

  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

  /** Place a tile in its group's grid in cnc_id order (for tiles added or moved by events). */
  function placeTile(t) {
    let g = groups.get(t.lineKey);
    if (!g) {
      g = makeGroup(t.lineKey);
      let before = null;
      for (const s of main.children) {
        const k = s.dataset && s.dataset.line != null ? (s.dataset.line === '' ? NO_LINE : s.dataset.line) : null;
        if (k == null) continue;
        if (t.lineKey !== NO_LINE && (k === NO_LINE || cmp(k, t.lineKey) > 0)) { before = s; break; }
      }
      main.insertBefore(g.section, before);
    }
    const id = idOf(t.m);
    let before = null;
    for (const c of g.grid.children) if (c !== t.el && cmp(c.dataset.cncId, id) > 0) { before = c; break; }
    if (t.el.parentNode !== g.grid || t.el.nextElementSibling !== before) g.grid.insertBefore(t.el, before);
    refreshGroupCount(g);
  }

  function dropEmptyGroups() {
    for (const [key, g] of groups) {
      if (g.grid.childElementCount === 0) { g.section.remove(); groups.delete(key); } else refreshGroupCount(g);
    }
  }

  function renderEmpty() {
    const empty = main.querySelector(':scope > .empty');
    if (tiles.size === 0 && !empty) main.append(el('p', { class: 'empty', text: 'No machines have reported yet.' }));
    if (tiles.size > 0 && empty) empty.remove();
  }

  // ------------------------------------------------------------- machines

  /** Whole list (initial load, snapshot, poll): update, add, remove, reorder as the server sorted it. */
  function applyAll(list) {
    const order = new Map(); // line key → [tile el] in server order
    const seen = new Set();
    for (const m of list || []) {
      if (!m || m.cnc_id == null) continue;
      const id = idOf(m);
      if (seen.has(id)) continue;
      seen.add(id);
      let t = tiles.get(id);
      if (t) t.update(m); else { t = new B.MachineTile(m); tiles.set(id, t); }
      t.lineKey = lineKey(m);
      if (!order.has(t.lineKey)) order.set(t.lineKey, []);
      order.get(t.lineKey).push(t.el);
    }
    for (const [id, t] of tiles) if (!seen.has(id)) { t.el.remove(); tiles.delete(id); }

    const sections = [];
    for (const [key, els] of order) {
      const g = groups.get(key) || makeGroup(key);
      syncChildren(g.grid, els);   // grids of new groups are still detached: cheap
      refreshGroupCount(g);
      sections.push(g.section);
    }
    for (const [key, g] of groups) if (!order.has(key)) { g.section.remove(); groups.delete(key); }
    for (const n of [...main.children]) if (!n.classList.contains('line')) n.remove();
    syncChildren(main, sections);
    renderEmpty();
  }

  function applyMachine(m) {
    if (!m || m.cnc_id == null) return;
    const id = idOf(m);
    let t = tiles.get(id);
    if (t) {
      const oldStatus = B.statusKey(t.m.status);
      const oldKey = t.lineKey;
      if (!t.update(m)) return;
      const newStatus = B.statusKey(m.status);
      if (oldStatus !== newStatus) {
        counts[oldStatus] = Math.max(0, (Number(counts[oldStatus]) || 0) - 1);
        counts[newStatus] = (Number(counts[newStatus]) || 0) + 1;
        renderCounts();
      }
      t.lineKey = lineKey(m);
      if (t.lineKey !== oldKey) { placeTile(t); dropEmptyGroups(); }
    } else {
      t = new B.MachineTile(m);
      t.lineKey = lineKey(m);
      tiles.set(id, t);
      const s = B.statusKey(m.status);
      counts[s] = (Number(counts[s]) || 0) + 1;
      placeTile(t);
      renderEmpty();
      renderCounts();
    }
  }

  function applyBody(body) {
    if (!body) return;
    B.syncClock(body.generated_at);
    if (body.plant) B.setTimeZone(body.plant.time_zone);
    applyAll(body.machines);
    if (body.plant) renderPlant(body.plant); else { counts = countsFromTiles(); renderCounts(); }
  }

  // ------------------------------------------------------------------ ticks

  B.everySecond((t) => {
    for (const tile of tiles.values()) tile.tick(t);
    setText(clockNode, B.fmtTime(t, 'hm'));
  });

  // ------------------------------------------------------------------ start

  async function start() {
    let body;
    try {
      body = await B.fetchJSON('/api/machines');
    } catch (e) {
      B.showError(errorNode, 'Cannot load machines: ' + e.message + ' — retrying in 5 s');
      setTimeout(start, 5000);
      return;
    }
    B.showError(errorNode, '');
    const t0 = performance.now();
    applyBody(body);
    main.removeAttribute('aria-busy');
    setText(clockNode, B.fmtTime(B.now(), 'hm'));
    console.debug('board: rendered ' + tiles.size + ' tiles in ' + Math.round(performance.now() - t0) + ' ms');
    stream = new B.LiveStream({
      after: body.event_id,
      indicator: liveNode,
      onMachine: applyMachine,
      onPlant: renderPlant,
      onSnapshot: applyBody,
    }).start();
  }

  start();
})();
