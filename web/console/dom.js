// Every element is built with the DOM and every text set as text: nothing from the API is ever parsed as HTML.
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open']);

/** h('button', { class: 'x', onclick }, 'text', child…): an element with attributes, listeners and text or element children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  const later = [];
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (PROPERTIES.has(key)) later.push([key, value]);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  for (const [key, value] of later) el[key] = value;
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);

let ids = 0;
export const uid = (prefix) => `${prefix}-${++ids}`;

/** A labelled form control: the label is tied to the control by id (what screen readers and axe look for). */
export function field(labelText, control, hint) {
  control.id ||= uid('f');
  return h('div', { class: 'field' }, h('label', { for: control.id }, labelText), control, hint ? h('span', { class: 'hint' }, hint) : null);
}

export const fmt = {
  int: (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US')),
  ms: (n) => (n === null || n === undefined ? '–' : `${Math.round(n).toLocaleString('en-US')} ms`),
  cost: (micros) => (micros === null || micros === undefined ? '–' : `$${(micros / 1e6).toFixed(6)}`),
  time: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '–'),
};
