// The timeline under the map: a histogram of the incidents (or the killed)
// of the current filter per month or ISO week, over every date of the data,
// with a brush that chooses the date range. Drag across the bars (or click
// one), or use the keyboard: arrows move the choice by a bar, Shift+arrows
// widen it, Escape clears it.
import { h } from './dom.js';
import { fmtDate, fmtDateParts, fmtNumber, t } from './i18n.js';

const DAY_MS = 864e5;
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const day = (s) => Date.parse(s + 'T00:00:00Z');

// isoWeek names the ISO 8601 week of a day (ms): "2016-W01".
export function isoWeek(ms) {
  const d = new Date(ms);
  const dow = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(ms + (3 - dow) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

// bins lists every month or week from first to last (YYYY-MM-DD), empty
// ones too, with their first and last day and key as /api/stats names it.
export function bins(unit, first, last) {
  const out = [];
  if (!first || !last) return out;
  const end = day(last);
  if (unit === 'week') {
    const f = day(first);
    let s = f - ((new Date(f).getUTCDay() + 6) % 7) * DAY_MS; // that week's Monday
    for (; s <= end; s += 7 * DAY_MS) out.push({ key: isoWeek(s), start: iso(s), end: iso(s + 6 * DAY_MS) });
    return out;
  }
  let [y, m] = first.split('-').map(Number);
  for (;;) {
    const s = Date.UTC(y, m - 1, 1);
    if (s > end) break;
    const e = Date.UTC(y, m, 0);
    out.push({ key: `${y}-${String(m).padStart(2, '0')}`, start: iso(s), end: iso(e) });
    m++;
    if (m > 12) { m = 1; y++; }
  }
  return out;
}

export class Timeline {
  // root: the element to fill; opts.onRange(from, to) chooses dates ('' for
  // none) and answers a promise of the map drawn; opts.onOptions({unit,
  // measure}) changes the bars.
  constructor(root, { onRange, onOptions }) {
    this.root = root;
    this.onRange = onRange;
    this.onOptions = onOptions;
    this.bins = [];
    this.values = new Map();
    this.unit = 'month';
    this.measure = 'operations';
    this.range = { from: '', to: '' };
    this.drag = null;
    this.playing = false;
    this.build();
    new ResizeObserver(() => this.draw()).observe(this.plot);
  }

  build() {
    this.unitSel = h('select', { id: 'tl-unit' });
    this.measureSel = h('select', { id: 'tl-measure' });
    this.unitSel.addEventListener('change', () => this.onOptions({ unit: this.unitSel.value }));
    this.measureSel.addEventListener('change', () => this.onOptions({ measure: this.measureSel.value }));
    this.chosen = h('output', { id: 'tl-chosen', class: 'tl-chosen', 'aria-live': 'polite' });
    this.allBtn = h('button', { type: 'button', id: 'tl-all' });
    this.allBtn.addEventListener('click', () => {
      this.stop();
      this.choose('', '');
    });
    this.playBtn = h('button', { type: 'button', id: 'play', 'aria-pressed': 'false' });
    this.playBtn.addEventListener('click', () => (this.playing ? this.stop() : this.play()));
    this.heading = h('h2', { id: 'tl-title' });
    this.unitLabel = h('label', { for: 'tl-unit' });
    this.measureLabel = h('label', { for: 'tl-measure' });
    this.plot = h('div', { class: 'tl-plot', id: 'tl-plot', tabindex: '0', role: 'group', 'aria-labelledby': 'tl-title', 'aria-describedby': 'tl-hint', dir: 'ltr' });
    this.hint = h('p', { id: 'tl-hint', class: 'visually-hidden' });
    this.root.replaceChildren(
      h('div', { class: 'tl-bar' }, this.heading, this.unitLabel, this.unitSel, this.measureLabel, this.measureSel,
        this.chosen, this.allBtn, this.playBtn),
      this.plot, this.hint);
    this.plot.addEventListener('pointerdown', (e) => this.pointer(e, 'down'));
    this.plot.addEventListener('pointermove', (e) => this.pointer(e, 'move'));
    this.plot.addEventListener('pointerup', (e) => this.pointer(e, 'up'));
    this.plot.addEventListener('pointercancel', () => { this.drag = null; this.draw(); });
    this.plot.addEventListener('keydown', (e) => this.key(e));
  }

  // set gives the timeline its bars: span {first, last} of every incident,
  // rows of /api/stats (key, operations, killed) for the filter less its
  // dates, the unit and measure, and the filter's date range.
  set({ span, rows, unit, measure, range }) {
    this.unit = unit;
    this.measure = measure;
    this.range = range;
    this.bins = bins(unit, span.first, span.last);
    this.values = new Map((rows || []).map((r) => [r.key, r]));
    this.render();
  }

  setRange(range) {
    this.range = range;
    this.render();
  }

  value(b) {
    const r = this.values.get(b.key);
    return r ? (this.measure === 'killed' ? r.killed : r.operations) || 0 : 0;
  }

  label(b) {
    return this.unit === 'week' ? t('weekOf', { date: fmtDate(b.start) }) : fmtDateParts(b.start, { year: 'numeric', month: 'long' });
  }

  // selected answers the first and last bar of the chosen range, or null.
  selected() {
    const { from, to } = this.range;
    if (!from && !to) return null;
    let a = -1; let z = -1;
    this.bins.forEach((b, i) => {
      if ((!to || b.start <= to) && (!from || b.end >= from)) {
        if (a < 0) a = i;
        z = i;
      }
    });
    return a < 0 ? null : [a, z];
  }

  render() {
    this.heading.textContent = t('timeline');
    this.unitLabel.textContent = t('tlUnit');
    this.measureLabel.textContent = t('tlMeasure');
    this.unitSel.replaceChildren(...['month', 'week'].map((u) => h('option', { value: u, selected: u === this.unit }, t('tl_' + u))));
    this.measureSel.replaceChildren(...['operations', 'killed'].map((m) => h('option', { value: m, selected: m === this.measure }, t('m_' + m))));
    this.allBtn.textContent = t('allDates');
    this.allBtn.disabled = !this.range.from && !this.range.to;
    this.playBtn.textContent = this.playing ? t('pause') : t('play');
    this.playBtn.setAttribute('aria-pressed', String(this.playing));
    this.playBtn.disabled = this.bins.length < 2;
    this.plot.setAttribute('aria-label', t('timelineLabel'));
    this.hint.textContent = t('tlHint');
    const { from, to } = this.range;
    this.chosen.textContent = from || to ? t('tlSelected', { from: fmtDate(from) || '…', to: fmtDate(to) || '…' }) : t('allDates');
    this.root.dataset.from = from || '';
    this.root.dataset.to = to || '';
    this.draw();
  }

  draw() {
    const width = this.plot.clientWidth;
    const height = this.plot.clientHeight || 64;
    if (!width || !this.bins.length) {
      this.plot.replaceChildren();
      return;
    }
    const NS = 'http://www.w3.org/2000/svg';
    const s = (tag, attrs, ...kids) => {
      const el = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
      for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
      return el;
    };
    const axis = 14;
    const n = this.bins.length;
    const bw = width / n;
    const max = Math.max(1, ...this.bins.map((b) => this.value(b)));
    const sel = this.drag ? [Math.min(this.drag.a, this.drag.b), Math.max(this.drag.a, this.drag.b)] : this.selected();
    const svg = s('svg', { width, height, class: 'tl-svg', 'aria-hidden': 'true' });
    const bars = s('g', { class: 'tl-bars' });
    this.bins.forEach((b, i) => {
      const v = this.value(b);
      const bh = v ? Math.max(1.5, (v / max) * (height - axis - 4)) : 0;
      const inSel = sel && i >= sel[0] && i <= sel[1];
      const bar = s('rect', { x: i * bw + (bw > 4 ? 0.5 : 0), y: height - axis - bh, width: Math.max(bw - (bw > 4 ? 1 : 0), 0.8), height: bh,
        class: `tl-bin${inSel ? ' in' : sel ? ' out' : ''}`, 'data-key': b.key, 'data-value': v, 'data-start': b.start, 'data-end': b.end });
      bar.append(s('title', {}, t('tlBar', { label: this.label(b), value: fmtNumber(v) })));
      bars.append(bar);
    });
    svg.append(bars);
    if (sel) {
      svg.append(s('rect', { x: sel[0] * bw, y: 0, width: (sel[1] - sel[0] + 1) * bw, height: height - axis, class: 'tl-brush' }));
    }
    // Year ticks, or month ticks when the span is short.
    const years = this.bins.filter((b, i) => i === 0 || b.start.slice(0, 4) !== this.bins[i - 1].start.slice(0, 4));
    const monthly = this.unit === 'month' && years.length <= 2;
    const ticks = monthly ? this.bins : years;
    let lastX = -Infinity;
    for (const b of ticks) {
      const i = this.bins.indexOf(b);
      const x = i * bw;
      if (x - lastX < 40) continue;
      lastX = x;
      svg.append(s('line', { x1: x, x2: x, y1: height - axis, y2: height - axis + 4, class: 'tl-tick' }),
        s('text', { x: x + 2, y: height - 2, class: 'tl-label' },
          fmtDateParts(b.start, monthly ? { month: 'short', year: '2-digit' } : { year: 'numeric' })));
    }
    svg.append(s('line', { x1: 0, x2: width, y1: height - axis, y2: height - axis, class: 'tl-axis' }));
    this.plot.replaceChildren(svg);
  }

  index(e) {
    const r = this.plot.getBoundingClientRect();
    const i = Math.floor(((e.clientX - r.left) / r.width) * this.bins.length);
    return Math.max(0, Math.min(this.bins.length - 1, i));
  }

  pointer(e, phase) {
    if (!this.bins.length) return;
    if (phase === 'down') {
      if (e.button !== 0) return;
      this.stop();
      this.plot.setPointerCapture(e.pointerId);
      this.drag = { a: this.index(e), b: this.index(e) };
      this.draw();
    } else if (this.drag && phase === 'move') {
      const b = this.index(e);
      if (b !== this.drag.b) {
        this.drag.b = b;
        this.draw();
      }
    } else if (this.drag && phase === 'up') {
      const { a, b } = this.drag;
      this.drag = null;
      this.chooseBins(Math.min(a, b), Math.max(a, b));
    }
  }

  key(e) {
    if (!this.bins.length) return;
    const sel = this.selected();
    const last = this.bins.length - 1;
    let next = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const d = e.key === 'ArrowRight' ? 1 : -1;
      if (!sel) next = d > 0 ? [0, 0] : [last, last];
      else if (e.shiftKey) next = d > 0 ? [sel[0], Math.min(last, sel[1] + 1)] : [sel[0], Math.max(sel[0], sel[1] - 1)];
      else {
        const w = sel[1] - sel[0];
        const a = Math.max(0, Math.min(last - w, sel[0] + d));
        next = [a, a + w];
      }
    } else if (e.key === 'Home') next = sel ? [0, sel[1] - sel[0]] : [0, 0];
    else if (e.key === 'End') next = sel ? [last - (sel[1] - sel[0]), last] : [last, last];
    else if (e.key === 'Escape') {
      if (!sel) return;
      e.preventDefault();
      this.choose('', '');
      return;
    } else return;
    e.preventDefault();
    this.stop();
    this.chooseBins(next[0], next[1]);
  }

  chooseBins(a, z) {
    return this.choose(this.bins[a].start, this.bins[z].end);
  }

  choose(from, to) {
    this.range = { from, to };
    this.render();
    return this.onRange(from, to);
  }

  // play steps one bar at a time through the bars that hold incidents,
  // from the one after the chosen bar (or the first), waiting for the map.
  async play() {
    const withData = this.bins.map((b, i) => (this.value(b) > 0 ? i : -1)).filter((i) => i >= 0);
    if (withData.length < 2) return;
    this.playing = true;
    this.render();
    const sel = this.selected();
    let k = sel && sel[0] === sel[1] ? withData.findIndex((i) => i > sel[0]) : 0;
    if (k < 0) k = 0;
    while (this.playing && k < withData.length) {
      await this.chooseBins(withData[k], withData[k]);
      if (!this.playing) break;
      await new Promise((r) => { this.timer = setTimeout(r, 1200); });
      k++;
    }
    this.stop();
  }

  stop() {
    if (!this.playing) return;
    this.playing = false;
    clearTimeout(this.timer);
    this.render();
  }
}
