// SPDX-License-Identifier: Apache-2.0
// Building DOM without HTML strings: text is always a text node, so
// nothing a user or a job wrote can become markup (and the CSP forbids
// inline script anyway).

// h("td", {class: "x", onclick: fn}, "text", child, [more]) -> element.
// Attribute values true/false/null: present, absent, absent.
export function h(tag, attrs, ...kids) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : String(k));
  }
}

export function clear(el, ...kids) {
  el.replaceChildren();
  append(el, kids);
  return el;
}

// A labelled form field: <div class="field"><label>..</label><control/><small/></div>.
let seq = 0;
export function field(label, control, hint) {
  const id = control.id || "f" + ++seq;
  control.id = id;
  const kids = [h("label", { for: id }, label), control];
  if (hint) {
    const hid = id + "-hint";
    control.setAttribute("aria-describedby", hid);
    kids.push(h("small", { id: hid, class: "hint" }, hint));
  }
  return h("div", { class: "field" }, kids);
}

// A table with a caption (screen readers announce it) and header cells.
export function table(caption, heads, rows, attrs) {
  return h("table", attrs || {},
    h("caption", { class: caption.visible ? "" : "sr-only" }, caption.text || caption),
    h("thead", {}, h("tr", {}, heads.map(x => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows));
}
