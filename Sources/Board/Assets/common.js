/* Shop-floor board: helpers shared by board.js, machine.js and shifts.js.
 *
 * Everything is exposed on one global, `Board`. Plain script, no modules,
 * no build step. Rule for all pages: values from the API reach the DOM only
 * through textContent, setAttribute or element construction (see el()).
 */
'use strict';

(function (global) {
  // ---------------------------------------------------------------- statuses

  const STATUSES = ['running', 'idle', 'stopped', 'setup', 'maintenance', 'error', 'offline', 'unknown'];
  const STATUS_LABELS = {
    running: 'Running', idle: 'Idle', stopped: 'Stopped', setup: 'Setup',
    maintenance: 'Maintenance', error: 'Error', offline: 'Offline', unknown: 'Unknown',
  };

  /** One of the 8 known statuses; anything else is shown as "unknown". */
  function statusKey(s) { return STATUSES.includes(s) ? s : 'unknown'; }
  /** Human label; an unexpected status string is shown as it came. */
  function statusLabel(s) {
    if (s == null || s === '') return STATUS_LABELS.unknown;
    return STATUS_LABELS[s] || String(s);
  }

  // ------------------------------------------------------------ DOM helpers

  /**
   * el('a', {class: 'x', href: url, text: 'label'}, child, 'text', ...)
   * Strings are appended as text nodes, never parsed as HTML.
   */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = String(v);
        else if (k === 'dataset') { for (const [dk, dv] of Object.entries(v)) if (dv != null) e.dataset[dk] = String(dv); }
        else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    appendAll(e, children);
    return e;
  }

  function appendAll(parent, children) {
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false) continue;
      parent.append(c instanceof Node ? c : String(c));
    }
  }

  /** Set textContent only when it changes (cheap on every tick). */
  function setText(node, text) {
    const t = text == null ? '' : String(text);
    if (node.textContent !== t) node.textContent = t;
  }

  function setAttr(node, name, value) {
    if (value == null) { if (node.hasAttribute(name)) node.removeAttribute(name); return; }
    const v = String(value);
    if (node.getAttribute(name) !== v) node.setAttribute(name, v);
  }

  // ------------------------------------------------------------------ icons

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const STROKE = { fill: 'none', stroke: 'currentColor', 'stroke-width': '3', 'stroke-linecap': 'round' };
  // Each status has its own shape, so colour is never the only cue.
  const ICONS = {
    'st-running': [['path', { d: 'M6 3.5l14 8.5-14 8.5z' }]],
    'st-idle': [['path', { d: 'M5.5 4h4.5v16H5.5zM14 4h4.5v16H14z' }]],
    'st-stopped': [['path', { d: 'M4.5 4.5h15v15h-15z' }]],
    'st-setup': [['path', { d: 'M3 5.5h18v2.5H3zM3 16h18v2.5H3z' }],
      ['circle', { cx: '8', cy: '6.75', r: '3.4' }], ['circle', { cx: '16', cy: '17.25', r: '3.4' }]],
    'st-maintenance': [['path', { 'fill-rule': 'evenodd', d: 'M12 1.5l9.1 5.25v10.5L12 22.5l-9.1-5.25V6.75zM12 8.2a3.8 3.8 0 1 0 0 7.6a3.8 3.8 0 1 0 0-7.6z' }]],
    'st-error': [['path', { 'fill-rule': 'evenodd', d: 'M12 1.5L23 21.5H1zM10.7 8.5h2.6v6.5h-2.6zM10.7 16.6h2.6v2.6h-2.6z' }]],
    'st-offline': [['circle', Object.assign({ cx: '12', cy: '12', r: '8.8' }, STROKE)],
      ['path', Object.assign({ d: 'M5.8 5.8l12.4 12.4' }, STROKE)]],
    'st-unknown': [['path', Object.assign({ d: 'M8.3 8.6a3.8 3.8 0 1 1 5.3 3.5c-1 .45-1.6 1.3-1.6 2.4v.8' }, STROKE)],
      ['circle', { cx: '12', cy: '19.6', r: '1.9' }]],
    warn: [['path', { 'fill-rule': 'evenodd', d: 'M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20zM10.7 6h2.6v7.5h-2.6zM10.7 15.4h2.6V18h-2.6z' }]],
    dot: [['circle', { cx: '12', cy: '12', r: '7' }]],
  };

  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  function ensureSprite() {
    if (document.getElementById('board-icon-sprite')) return;
    const svg = svgEl('svg', { id: 'board-icon-sprite', 'aria-hidden': 'true', width: '0', height: '0', style: 'position:absolute;width:0;height:0;overflow:hidden' });
    for (const [name, shapes] of Object.entries(ICONS)) {
      const sym = svgEl('symbol', { id: 'i-' + name, viewBox: '0 0 24 24' });
      for (const [tag, attrs] of shapes) sym.append(svgEl(tag, attrs));
      svg.append(sym);
    }
    document.body.prepend(svg);
  }

  /** An <svg class="icon"> that draws a symbol from the sprite (fill: currentColor). */
  function icon(name, extraClass) {
    ensureSprite();
    const svg = svgEl('svg', { class: 'icon' + (extraClass ? ' ' + extraClass : ''), viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' });
    svg.append(svgEl('use', { href: '#i-' + name }));
    return svg;
  }
  function setIcon(svg, name) { setAttr(svg.firstChild, 'href', '#i-' + name); }
  function statusIcon(status) { return icon('st-' + statusKey(status), 'st-icon'); }
  function setStatusIcon(svg, status) { setIcon(svg, 'st-' + statusKey(status)); }

  /** A small status chip: coloured border/icon, label text. */
  function statusChip(status, extraText) {
    return el('span', { class: 'chip', 'data-status': status || 'unknown' },
      statusIcon(status), el('span', { text: statusLabel(status) }), extraText != null ? el('span', { class: 'chip-extra', text: extraText }) : null);
  }

  // ------------------------------------------------------------------- time

  let plantTZ; // undefined until known: the browser's own zone
  const fmtCache = new Map();

  function setTimeZone(tz) {
    if (!tz || tz === plantTZ) return;
    try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); } catch (e) { console.warn('unknown time zone', tz); return; }
    plantTZ = tz;
    fmtCache.clear();
  }
  function timeZone() { return plantTZ; }

  // Server clock offset, so "time in status" does not depend on the wall PC's clock.
  let clockOffset = 0;
  function syncClock(generatedAt) {
    const t = parseTime(generatedAt);
    if (Number.isFinite(t)) clockOffset = t - Date.now();
  }
  function now() { return Date.now() + clockOffset; }

  /** RFC 3339 → epoch ms. Fractions beyond milliseconds are cut (not every engine parses µs). */
  function parseTime(v) {
    if (v == null || v === '') return NaN;
    if (typeof v === 'number') return v;
    return Date.parse(String(v).replace(/(\.\d{3})\d+/, '$1'));
  }

  const STYLES = {
    hm: { hour: '2-digit', minute: '2-digit' },
    hms: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
    date: { weekday: 'short', day: '2-digit', month: '2-digit' },
    dhm: { weekday: 'short', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' },
    dmhm: { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' },
    dhms: { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
    full: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' },
  };

  function formatter(style) {
    const key = style + '|' + (plantTZ || '');
    let f = fmtCache.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(undefined, Object.assign({}, STYLES[style] || STYLES.dhm, plantTZ ? { timeZone: plantTZ } : {}));
      fmtCache.set(key, f);
    }
    return f;
  }

  /** Format an RFC 3339 string or epoch ms in plant time. style: hm, hms, date, dhm, dmhm, dhms, full. */
  function fmtTime(v, style) {
    const t = parseTime(v);
    if (!Number.isFinite(t)) return '—';
    return formatter(style || 'dhm').format(t);
  }

  /** "08:00–14:00" (plant time); adds the date when the range is not within one plant day. */
  function fmtRange(from, to) {
    const a = parseTime(from), b = parseTime(to);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return '—';
    const sameDay = plantDate(a).join('-') === plantDate(b - 1).join('-');
    return sameDay ? fmtTime(a, 'hm') + '–' + fmtTime(b, 'hm') : fmtTime(a, 'dhm') + ' – ' + fmtTime(b, 'dhm');
  }

  const pad2 = (n) => String(n).padStart(2, '0');

  /** "12 s", "4 min 05 s", "1 h 04 min", "2 d 03 h". */
  function fmtDuration(sec) {
    if (sec == null || !Number.isFinite(sec)) return '—';
    sec = Math.max(0, Math.floor(sec));
    if (sec < 60) return sec + ' s';
    const m = Math.floor(sec / 60);
    if (m < 60) return m + ' min ' + pad2(sec % 60) + ' s';
    const h = Math.floor(m / 60);
    if (h < 24) return h + ' h ' + pad2(m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + pad2(h % 24) + ' h';
  }

  /** "5 s ago", "3 min ago", "2 h ago", "4 d ago". */
  function fmtAgo(sec) {
    if (sec == null || !Number.isFinite(sec)) return 'never';
    sec = Math.max(0, Math.floor(sec));
    if (sec < 60) return sec + ' s ago';
    if (sec < 3600) return Math.floor(sec / 60) + ' min ago';
    if (sec < 86400) return Math.floor(sec / 3600) + ' h ago';
    return Math.floor(sec / 86400) + ' d ago';
  }

  /** Seconds as h:mm ("7:05", "0:00"); null → "—". */
  function fmtHM(sec) {
    if (sec == null || !Number.isFinite(sec)) return '—';
    const m = Math.round(Math.max(0, sec) / 60);
    return Math.floor(m / 60) + ':' + pad2(m % 60);
  }

  const pctFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
  function fmtPct(x) { return x == null || !Number.isFinite(x) ? '—' : pctFmt.format(x); }

  const numFmts = new Map();
  function fmtNum(x, digits) {
    if (x == null || !Number.isFinite(x)) return '—';
    const d = digits || 0;
    if (!numFmts.has(d)) numFmts.set(d, new Intl.NumberFormat(undefined, { maximumFractionDigits: d }));
    return numFmts.get(d).format(x);
  }

  // ---- plant-zone calendar arithmetic (for datetime-local / date inputs)

  const partsFmtCache = new Map();
  /** Wall-clock parts of an instant in a zone: [y, mo, d, h, mi, s]. */
  function zoneParts(ms, tz) {
    const key = tz || '';
    let f = partsFmtCache.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', Object.assign({
        hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
      }, tz ? { timeZone: tz } : {}));
      partsFmtCache.set(key, f);
    }
    const o = {};
    for (const p of f.formatToParts(ms)) if (p.type !== 'literal') o[p.type] = parseInt(p.value, 10);
    return [o.year, o.month, o.day, o.hour === 24 ? 0 : o.hour, o.minute, o.second];
  }

  function tzOffsetMs(ms, tz) {
    const whole = Math.floor(ms / 1000) * 1000;
    const p = zoneParts(whole, tz);
    return Date.UTC(p[0], p[1] - 1, p[2], p[3], p[4], p[5]) - whole;
  }

  /**
   * Plant wall-clock time → epoch ms. Across DST: a time in the spring gap
   * moves forward by the gap; an ambiguous autumn time takes the later offset.
   */
  function zonedToUtc(y, mo, d, h, mi, tz) {
    tz = tz || plantTZ;
    const guess = Date.UTC(y, mo - 1, d, h || 0, mi || 0);
    const off1 = tzOffsetMs(guess, tz);
    let t = guess - off1;
    const off2 = tzOffsetMs(t, tz);
    if (off2 !== off1) t = guess - off2;
    return t;
  }

  /** [y, mo, d, h, mi, s] of an instant in plant time. */
  function plantParts(ms) { return zoneParts(ms, plantTZ); }

  /** [y, mo, d] of the plant day containing ms. */
  function plantDate(ms) { return zoneParts(ms, plantTZ).slice(0, 3); }

  /** Start (ms) of the plant day containing ms, plus addDays whole calendar days. */
  function plantDayStart(ms, addDays) {
    const [y, mo, d] = plantDate(ms);
    const u = new Date(Date.UTC(y, mo - 1, d + (addDays || 0)));
    return zonedToUtc(u.getUTCFullYear(), u.getUTCMonth() + 1, u.getUTCDate(), 0, 0);
  }

  /** epoch ms → "YYYY-MM-DDTHH:MM" in plant time (value for <input type=datetime-local>). */
  function toLocalInput(ms) {
    const p = zoneParts(ms, plantTZ);
    return String(p[0]).padStart(4, '0') + '-' + pad2(p[1]) + '-' + pad2(p[2]) + 'T' + pad2(p[3]) + ':' + pad2(p[4]);
  }
  /** epoch ms → "YYYY-MM-DD" plant date (value for <input type=date>). */
  function toDateInput(ms) { return toLocalInput(ms).slice(0, 10); }

  /** "YYYY-MM-DDTHH:MM[:SS]" or "YYYY-MM-DD" read as plant time → epoch ms (NaN if invalid). */
  function fromLocalInput(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(s || '');
    if (!m) return NaN;
    return zonedToUtc(+m[1], +m[2], +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0);
  }

  function isoZ(ms) { return new Date(ms).toISOString(); }

  /** One 1-second timer per page for all ticking fields, aligned to the second. */
  const tickers = [];
  let tickStarted = false;
  function everySecond(fn) {
    tickers.push(fn);
    if (tickStarted) return;
    tickStarted = true;
    const run = () => {
      const t = now();
      for (const f of tickers) { try { f(t); } catch (e) { console.error(e); } }
    };
    setTimeout(() => { run(); setInterval(run, 1000); }, 1000 - (Date.now() % 1000) + 5);
  }

  // -------------------------------------------------------------- HTTP/JSON

  /** Query string from an object; null/undefined/'' values are left out. */
  function qs(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params || {})) {
      if (v == null || v === '') continue;
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  /** GET JSON; a non-2xx answer throws Error(body.error || "HTTP 500 …") with .status set. */
  async function fetchJSON(url) {
    let res;
    try {
      res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch (e) {
      const err = new Error('Cannot reach the server (' + (e && e.message || e) + ')');
      err.status = 0;
      throw err;
    }
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const err = new Error(body && typeof body.error === 'string' ? body.error : 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
      err.status = res.status;
      throw err;
    }
    if (body == null) throw new Error('The server sent no JSON for ' + url);
    return body;
  }

  function machineUrl(cncId) { return '/machines/' + encodeURIComponent(String(cncId)); }

  /** Show or clear an error banner element (role=alert in the page). */
  function showError(node, message) {
    if (!node) return;
    setText(node, message || '');
    node.hidden = !message;
  }

  // ----------------------------------------------------------- machine tile

  /**
   * The machine card: used as the board tile (link) and as the summary at the
   * top of a machine's page (link: false). DOM is built once; update(m)
   * rewrites the fields, tick(now) the ticking ones.
   */
  const tileProtos = {};
  /** The empty tile structure, built once and cloned per machine (fast for 500 tiles). */
  function tileProto(link) {
    const row = (label, cls) => el('div', { class: 't-row ' + cls }, el('dt', { text: label }), el('dd'));
    return el(link ? 'a' : 'section', { class: 'tile' + (link ? '' : ' tile-summary') },
      el('div', { class: 't-head' },
        el(link ? 'span' : 'h1', { class: 't-id' }),
        el('span', { class: 't-type' }),
        el('span', { class: 't-quality', hidden: true },
          el('span', { class: 'visually-hidden', text: 'messages with quality marks in the last hour: ' }), el('span', { class: 't-quality-n' }))),
      el('div', { class: 't-status st-fill' }, statusIcon('unknown'), el('span', { class: 't-label' }), el('span', { class: 't-since' })),
      el('div', { class: 't-alarm', hidden: true }, el('span', { class: 't-alarm-code' }), el('span', { class: 't-alarm-text' })),
      el('dl', { class: 't-rows' },
        row('Program', 't-program'), row('Parts this shift', 't-parts'),
        row('Spindle speed', 't-speed'), row('Spindle load', 't-load')),
      el('div', { class: 't-foot' },
        el('span', { class: 't-heard' }, 'heard ', el('span', { class: 't-heard-ago' })),
        el('span', { class: 't-stale', hidden: true, text: 'stale' })));
  }

  /**
   * The machine card: used as the board tile (link) and as the summary at the
   * top of a machine's page (link: false). DOM is built once; update(m)
   * rewrites the fields, tick(now) the ticking ones.
   */
  class MachineTile {
    constructor(m, opts) {
      this.link = !(opts && opts.link === false);
      this.key = null;
      this.stale = null;
      const kind = this.link ? 'link' : 'summary';
      if (!tileProtos[kind]) tileProtos[kind] = tileProto(this.link);
      this.el = tileProtos[kind].cloneNode(true);
      const q = (c) => this.el.querySelector('.' + c);
      const r = this.r = {
        id: q('t-id'), type: q('t-type'), quality: q('t-quality'), qualityN: q('t-quality-n'),
        stIcon: q('st-icon'), stLabel: q('t-label'), since: q('t-since'),
        alarm: q('t-alarm'), alarmCode: q('t-alarm-code'), alarmText: q('t-alarm-text'),
        progRow: q('t-program'), partsRow: q('t-parts'), speedRow: q('t-speed'), loadRow: q('t-load'),
        heard: q('t-heard'), heardAgo: q('t-heard-ago'), staleMark: q('t-stale'),
      };
      r.prog = r.progRow.lastChild; r.parts = r.partsRow.lastChild;
      r.speed = r.speedRow.lastChild; r.load = r.loadRow.lastChild;
      this.update(m);
    }

    /** Returns false when nothing changed. */
    update(m) {
      const key = JSON.stringify(m);
      if (key === this.key) return false;
      this.key = key;
      this.m = m;
      const e = this.el, r = this.r;
      const id = m.cnc_id == null ? '' : String(m.cnc_id);
      setAttr(e, 'data-cnc-id', id);
      setAttr(e, 'data-status', m.status || 'unknown');
      if (this.link) setAttr(e, 'href', machineUrl(id));
      e.classList.toggle('offline', m.status === 'offline');

      setText(r.id, id);
      setText(r.type, m.cnc_type || '');
      setStatusIcon(r.stIcon, m.status);
      setText(r.stLabel, statusLabel(m.status));
      setAttr(r.since, 'title', m.status_since ? 'since ' + fmtTime(m.status_since, 'full') : null);

      const hasAlarm = m.alarm_code != null || m.alarm_text != null;
      r.alarm.hidden = !hasAlarm;
      if (hasAlarm && !r.alarmIcon) r.alarm.prepend(r.alarmIcon = icon('st-error'));
      setText(r.alarmCode, m.alarm_code == null ? '' : m.alarm_code);
      setText(r.alarmText, m.alarm_text == null ? '' : m.alarm_text);

      setText(r.prog, m.part_program == null || m.part_program === '' ? 'no program' : m.part_program);
      r.prog.classList.toggle('none', m.part_program == null || m.part_program === '');
      setText(r.parts, m.parts_this_shift == null ? '—' : fmtNum(m.parts_this_shift));
      r.speedRow.hidden = m.spindle_speed_rpm == null;
      setText(r.speed, m.spindle_speed_rpm == null ? '' : fmtNum(m.spindle_speed_rpm) + ' rpm');
      r.loadRow.hidden = m.spindle_load_pct == null;
      setText(r.load, m.spindle_load_pct == null ? '' : fmtNum(m.spindle_load_pct) + ' %');

      const q = m.quality_last_hour;
      const qn = q && Number(q.messages) > 0 ? Number(q.messages) : 0;
      r.quality.hidden = qn === 0;
      if (qn && !r.qualityIcon) r.quality.prepend(r.qualityIcon = icon('warn'));
      setText(r.qualityN, qn ? String(qn) : '');
      setAttr(r.quality, 'title', qn ? qn + ' message' + (qn === 1 ? '' : 's') + ' with quality marks in the last hour' +
        (q.marks && q.marks.length ? ': ' + q.marks.join(', ') : '') : null);

      this.since = parseTime(m.status_since);
      this.heardAt = parseTime(m.last_heard_at);
      setAttr(r.heard, 'title', Number.isFinite(this.heardAt) ? 'last heard ' + fmtTime(this.heardAt, 'full') : 'never heard');
      this.tick(now());
      return true;
    }

    tick(t) {
      const m = this.m, r = this.r;
      setText(r.since, Number.isFinite(this.since) ? fmtDuration((t - this.since) / 1000) : '');
      const ago = Number.isFinite(this.heardAt) ? (t - this.heardAt) / 1000 : null;
      setText(r.heardAgo, fmtAgo(ago));
      const limit = Number(m.offline_after_s);
      const stale = m.stale === true || (ago != null && Number.isFinite(limit) && m.offline_after_s != null && ago > limit);
      if (stale !== this.stale) {
        this.stale = stale;
        this.el.classList.toggle('stale', stale);
        r.staleMark.hidden = !stale;
      }
    }
  }

  // ------------------------------------------------------------ live stream

  function setLive(node, state, detail) {
    if (!node) return;
    setAttr(node, 'data-state', state);
    if (!node.firstChild || node.firstChild.nodeName.toLowerCase() !== 'svg') node.replaceChildren(icon('dot'), el('span'));
    setText(node.lastChild, state === 'live' ? 'live' : (detail || 'live: reconnecting / polling'));
    setAttr(node, 'title', state === 'live' ? 'Live updates from the server' : 'No live stream: polling every 5 s, retrying the stream every 10 s');
  }

  /**
   * The event stream with fallback.
   *   new LiveStream({after, indicator, onMachine(m), onPlant(p), onSnapshot(body)}).start()
   * onSnapshot gets a whole /api/machines body: from an `event: snapshot`, or
   * from polling while the stream is down (every 5 s; the stream is reopened
   * every 10 s; once open, polling stops).
   */
  class LiveStream {
    constructor(opts) {
      this.opts = opts;
      this.lastId = opts.after == null ? '' : String(opts.after);
      this.es = null;
      this.pollTimer = null;
      this.reopenTimer = null;
    }

    start() {
      setLive(this.opts.indicator, 'polling', 'connecting…');
      this.open();
      // If the first connection never opens, fall back as on an error.
      setTimeout(() => { if (!this.es || this.es.readyState !== 1) this.fallback(); }, 5000);
      return this;
    }

    open() {
      if (this.es) this.es.close();
      let es;
      try {
        es = new EventSource('/api/events?after=' + encodeURIComponent(this.lastId));
      } catch (e) { console.error(e); this.fallback(); return; }
      this.es = es;
      es.addEventListener('open', () => { if (this.es === es) this.live(); });
      es.addEventListener('error', () => { if (this.es === es && es.readyState !== 1) this.fallback(); });
      const on = (type, fn) => es.addEventListener(type, (ev) => {
        if (this.es !== es) return;
        if (ev.lastEventId) this.lastId = ev.lastEventId;
        let data;
        try { data = JSON.parse(ev.data); } catch (e) { console.error('bad ' + type + ' event', e); return; }
        try { fn(data, ev); } catch (e) { console.error(e); }
      });
      on('machine', (m) => this.opts.onMachine && this.opts.onMachine(m));
      on('plant', (p) => this.opts.onPlant && this.opts.onPlant(p));
      on('snapshot', (body) => {
        if (body && body.event_id != null) this.lastId = String(body.event_id);
        this.opts.onSnapshot && this.opts.onSnapshot(body);
      });
    }

    live() {
      clearInterval(this.pollTimer); this.pollTimer = null;
      clearInterval(this.reopenTimer); this.reopenTimer = null;
      setLive(this.opts.indicator, 'live');
    }

    fallback() {
      setLive(this.opts.indicator, 'polling');
      if (!this.pollTimer) {
        this.poll();
        this.pollTimer = setInterval(() => this.poll(), 5000);
      }
      if (!this.reopenTimer) {
        this.reopenTimer = setInterval(() => {
          if (!this.es || this.es.readyState !== 1) this.open();
        }, 10000);
      }
    }

    async poll() {
      try {
        const body = await fetchJSON('/api/machines');
        if (this.es && this.es.readyState === 1) return; // the stream came back meanwhile
        if (body.event_id != null) this.lastId = String(body.event_id);
        setLive(this.opts.indicator, 'polling');
        this.opts.onSnapshot && this.opts.onSnapshot(body);
      } catch (e) {
        setLive(this.opts.indicator, 'polling', 'offline: server unreachable, retrying');
      }
    }
  }

  global.Board = {
    STATUSES, statusKey, statusLabel,
    el, setText, setAttr, icon, setIcon, statusIcon, setStatusIcon, statusChip,
    setTimeZone, timeZone, syncClock, now, parseTime, fmtTime, fmtRange,
    fmtDuration, fmtAgo, fmtHM, fmtPct, fmtNum,
    zonedToUtc, plantParts, plantDate, plantDayStart, toLocalInput, toDateInput, fromLocalInput, isoZ,
    everySecond, qs, fetchJSON, machineUrl, showError,
    MachineTile, LiveStream, setLive,
  };
})(window);
