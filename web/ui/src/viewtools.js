// Share, print and save a view: copy the page URL (the whole view is in
// it), print an A4 landscape page (the print rules in app.css lay it out;
// the map is resized to the page first), and draw the map with its legend,
// title, filter, dates and sources into a PNG.
import { t } from './i18n.js';

// share copies url to the clipboard; where the browser refuses, it shows the
// link selected in a field so it can be copied by hand.
export async function share(url, statusEl) {
  try {
    await navigator.clipboard.writeText(url);
    statusEl.replaceChildren(t('shared'));
    statusEl.dataset.shared = url;
    return true;
  } catch {
    const field = document.createElement('input');
    field.type = 'text';
    field.readOnly = true;
    field.value = url;
    field.className = 'share-field';
    field.setAttribute('aria-label', t('shareFailed'));
    statusEl.replaceChildren(t('shareFailed'), ' ', field);
    field.select();
    return false;
  }
}

// printView resizes the map for the page, prints, and gives the map its
// screen size back.
export function printView(map) {
  map.invalidateSize({ animate: false });
  window.print();
}

// watchPrint keeps the map the size of its container when print rules
// apply (the browser's own print command included).
export function watchPrint(map) {
  const resize = () => map.invalidateSize({ animate: false });
  window.matchMedia('print').addEventListener('change', resize);
  window.addEventListener('beforeprint', resize);
  window.addEventListener('afterprint', resize);
}

function loadImage(src) {
  return new Promise((ok, fail) => {
    const img = new Image();
    img.onload = () => ok(img);
    img.onerror = () => fail(new Error('image'));
    img.src = src;
  });
}

// wrapText splits text into lines no wider than width on ctx.
function wrapText(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

// mapImage draws what the map shows (basemap tiles, region and risk
// polygons, incident tiles, markers and clusters, place labels, the legend)
// under a band with the title, filter, dates and totals, over a band with
// the sources, and answers a PNG Blob. info: {title, filter, span, totals,
// sources}.
export async function mapImage(map, info) {
  const container = map.getContainer();
  const box = container.getBoundingClientRect();
  const W = Math.round(box.width);
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const font = getComputedStyle(document.body).fontFamily;
  const rtl = document.documentElement.dir === 'rtl';
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = `13px ${font}`;
  const head = [info.title, ...wrapText(measure, `${info.filter} · ${info.span} · ${info.totals}`, W - 24)];
  const foot = wrapText(measure, info.sources, W - 24);
  const top = 12 + 22 + (head.length - 1) * 18 + 8;
  const bottom = foot.length * 16 + 12;
  const H = Math.round(box.height) + top + bottom;
  const canvas = document.createElement('canvas');
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#fbf9f4';
  ctx.fillRect(0, 0, W, H);
  ctx.direction = rtl ? 'rtl' : 'ltr';
  ctx.textAlign = rtl ? 'right' : 'left';
  const tx = rtl ? W - 12 : 12;
  ctx.fillStyle = '#2b2620';
  ctx.font = `bold 18px ${font}`;
  ctx.fillText(head[0], tx, 28);
  ctx.font = `13px ${font}`;
  head.slice(1).forEach((l, i) => ctx.fillText(l, tx, 48 + i * 18));

  ctx.save();
  ctx.translate(0, top);
  ctx.beginPath();
  ctx.rect(0, 0, W, box.height);
  ctx.clip();
  ctx.fillStyle = getComputedStyle(container).backgroundColor || '#f3efe6';
  ctx.fillRect(0, 0, W, box.height);
  const at = (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height };
  };
  // Basemap tiles (OpenStreetMap when chosen; loaded with CORS).
  for (const img of container.querySelectorAll('img.leaflet-tile-loaded')) {
    const r = at(img);
    try { ctx.drawImage(img, r.x, r.y, r.w, r.h); } catch { /* not drawable */ }
  }
  // Polygons: every SVG of the map panes, as an image of itself.
  for (const svg of container.querySelectorAll('.leaflet-pane svg')) {
    const r = at(svg);
    if (!r.w || !r.h) continue;
    const clone = svg.cloneNode(true);
    clone.setAttribute('width', r.w);
    clone.setAttribute('height', r.h);
    clone.style.transform = '';
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }));
    try {
      ctx.drawImage(await loadImage(url), r.x, r.y, r.w, r.h);
    } catch { /* an SVG the browser cannot draw */ }
    URL.revokeObjectURL(url);
  }
  // Vector-tile incidents.
  for (const c of container.querySelectorAll('.leaflet-pane canvas')) {
    const r = at(c);
    try { ctx.drawImage(c, r.x, r.y, r.w, r.h); } catch { /* tainted */ }
  }
  // Place labels.
  ctx.textBaseline = 'middle';
  for (const el of container.querySelectorAll('.place-label')) {
    const dot = el.querySelector('.place-dot');
    const name = el.querySelector('.place-name');
    const d = at(dot);
    ctx.fillStyle = '#3d2f22';
    ctx.beginPath();
    ctx.arc(d.x + d.w / 2, d.y + d.h / 2, d.w / 2, 0, 2 * Math.PI);
    ctx.fill();
    const n = at(name);
    const cs = getComputedStyle(name);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${font}`;
    ctx.textAlign = 'left';
    ctx.direction = 'ltr';
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#fffffff0';
    ctx.strokeText(name.textContent, n.x, n.y + n.h / 2);
    ctx.fillStyle = cs.color;
    ctx.fillText(name.textContent, n.x, n.y + n.h / 2);
  }
  // Markers and clusters.
  ctx.textAlign = 'center';
  for (const el of container.querySelectorAll('.leaflet-marker-icon')) {
    const r = at(el);
    if (r.x + r.w < 0 || r.y + r.h < 0 || r.x > W || r.y > box.height) continue;
    const cx = r.x + r.w / 2;
    const cy = r.y + r.h / 2;
    if (el.classList.contains('marker-cluster')) {
      ctx.fillStyle = getComputedStyle(el).backgroundColor;
      ctx.beginPath();
      ctx.arc(cx, cy, r.w / 2, 0, 2 * Math.PI);
      ctx.fill();
      const inner = el.querySelector('div');
      ctx.fillStyle = inner ? getComputedStyle(inner).backgroundColor : '#fff';
      ctx.beginPath();
      ctx.arc(cx, cy, r.w / 2 - 5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#000';
      ctx.font = `12px ${font}`;
      ctx.fillText(el.querySelector('[aria-hidden="true"]')?.textContent || '', cx, cy);
    } else {
      const dot = el.querySelector('span');
      ctx.fillStyle = dot ? getComputedStyle(dot).backgroundColor : '#555';
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(cx, cy, r.w / 2 - 1, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }
  // The legend, as the page shows it.
  const legend = container.querySelector('#legend');
  if (legend && legend.offsetParent) {
    const r = at(legend);
    ctx.fillStyle = '#fffffff0';
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.strokeStyle = '#0003';
    ctx.strokeRect(r.x, r.y, r.w, r.h);
    ctx.textAlign = rtl ? 'right' : 'left';
    ctx.direction = rtl ? 'rtl' : 'ltr';
    for (const el of legend.querySelectorAll('h2, li')) {
      const e = at(el);
      const cs = getComputedStyle(el);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${font}`;
      ctx.fillStyle = '#2b2620';
      const sw = el.querySelector('.swatch, .dot');
      let textX = rtl ? e.x + e.w : e.x;
      if (sw) {
        const s = at(sw);
        ctx.fillStyle = getComputedStyle(sw).backgroundColor;
        ctx.fillRect(s.x, s.y, s.w, s.h);
        ctx.fillStyle = '#2b2620';
        textX = rtl ? s.x - 6 : s.x + s.w + 6;
      }
      ctx.fillText(el.textContent, textX, e.y + e.h / 2);
    }
  }
  ctx.restore();
  ctx.textAlign = rtl ? 'right' : 'left';
  ctx.direction = rtl ? 'rtl' : 'ltr';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = '#4a443b';
  ctx.font = `11px ${font}`;
  foot.forEach((l, i) => ctx.fillText(l, tx, top + box.height + 16 + i * 16));
  return new Promise((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG'))), 'image/png'));
}

// saveBlob offers blob as a download named name.
export function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function imageName() {
  return `badiamap-${new Date().toISOString().slice(0, 10)}.png`;
}

