// h builds a DOM element: h('a', {href, class: 'x'}, 'text', child). Text is
// always set as text, never parsed as HTML, so data cannot inject markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// popupOptions are Leaflet popup options that make a popup fit the map as
// it is now: no wider than the map, no taller than the room between the
// top and bottom controls, and panned clear of the controls (zoom buttons,
// risk box, legend) rather than opened beneath them.
export function popupOptions(map, extra = {}) {
  const box = map.getContainer().getBoundingClientRect();
  const edge = (sel, side) => {
    let v = 8;
    for (const el of map.getContainer().querySelectorAll(sel)) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue;
      v = Math.max(v, side === 'top' ? b.bottom - box.top + 6 : box.bottom - b.top + 6);
    }
    return v;
  };
  const top = edge('.leaflet-top .leaflet-control', 'top');
  const bottom = edge('.leaflet-bottom .leaflet-control', 'bottom');
  const maxWidth = Math.max(160, Math.min(extra.maxWidth ?? 320, box.width - 60));
  // The popup's tip and close button take about 50 px beside the content.
  const maxHeight = Math.max(120, box.height - top - bottom - 50);
  return {
    ...extra,
    maxWidth,
    minWidth: Math.min(extra.minWidth ?? 50, maxWidth),
    maxHeight: extra.maxHeight ?? (maxHeight < 420 ? maxHeight : undefined),
    autoPanPaddingTopLeft: [12, top],
    autoPanPaddingBottomRight: [12, bottom],
  };
}
