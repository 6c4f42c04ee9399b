// A tiny DOM builder. Text always goes through text nodes (never innerHTML), so data
// from the API cannot become markup.

/**
 * h('a', { href: '#/x', class: 'c', onclick: fn }, 'text', child, [more, children])
 * Attributes named on* become event listeners; null/undefined/false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status.replaceAll('_', ' '));
}

const units = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** "3m 20s", "2h 5m": the two largest units. */
export function duration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const parts = [];
  let rest = ms;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length) parts.push(`${n}${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function ago(iso) {
  return `${duration(Date.now() - Date.parse(iso))} ago`;
}

export function time(iso) {
  return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}
