// SPDX-License-Identifier: Apache-2.0
// A small SVG bar chart, stacked by series: axes with rounded ticks,
// labelled categories, a legend, a <title> on every bar (the tooltip), and
// the same numbers as a table for screen readers and for copying. No
// library: a few dozen lines do what the portal needs, with nothing to
// fetch and nothing that breaks the CSP.
import { h } from "./dom.js";
import { niceTicks, formatTick } from "./ticks.js";

const COLORS = ["#0b5cad", "#e07b00", "#2a9d4b", "#8e44ad", "#c0392b", "#16a0b0", "#7f8c8d"];

// spec: {title, desc, categories: [label], series: [{name, values: [n]}],
//        format: n -> text (values), tickFormat: (n, decimals) -> text (axis;
//        default: the number with those decimals in the page's language),
//        minStep: smallest tick step (1 for money in minor units),
//        caption: text of the data table}
export function barChart(spec) {
  const W = 720, H = 300, L = 64, R = 12, T = 12, B = 56;
  const cats = spec.categories, ser = spec.series;
  const totals = cats.map((_, i) => ser.reduce((s, x) => s + (x.values[i] || 0), 0));
  const max = Math.max(0, ...totals);
  const ticks = niceTicks(max, 5, spec.minStep);
  const top = ticks.ticks[ticks.ticks.length - 1];
  const y = v => T + (H - T - B) * (1 - v / top);
  const bw = (W - L - R) / Math.max(cats.length, 1);
  const fmt = spec.format || (v => String(v));
  const tickFmt = spec.tickFormat || ((v, d) => formatTick(v, d, document.documentElement.lang || "en"));
  const id = "ch" + Math.random().toString(36).slice(2, 8);

  const grid = [];
  for (const v of ticks.ticks) {
    grid.push(h("svg:line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }),
      h("svg:text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, tickFmt(v, ticks.digits)));
  }
  const bars = [];
  const every = Math.ceil(cats.length / 12); // at most ~12 labels on the axis
  cats.forEach((c, i) => {
    let base = 0;
    ser.forEach((s, k) => {
      const v = s.values[i] || 0;
      if (v > 0) {
        bars.push(h("svg:rect", { x: L + i * bw + bw * 0.15, width: Math.max(bw * 0.7, 1), y: y(base + v),
          height: Math.max(y(base) - y(base + v), 0.5), fill: COLORS[k % COLORS.length], class: "bar" },
        h("svg:title", {}, c + " · " + s.name + ": " + fmt(v))));
      }
      base += v;
    });
    if (i % every === 0)
      bars.push(h("svg:text", { x: L + i * bw + bw / 2, y: H - B + 16, "text-anchor": "middle", class: "tick" }, c));
  });
  const svg = h("svg:svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img",
    "aria-labelledby": id + "-t " + id + "-d" },
  h("svg:title", { id: id + "-t" }, spec.title),
  h("svg:desc", { id: id + "-d" }, spec.desc || ""),
  grid,
  h("svg:line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }),
  h("svg:line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }),
  bars);
  const legend = h("ul", { class: "legend" }, ser.map((s, k) =>
    h("li", {}, h("span", { class: "swatch", "data-color": k % COLORS.length }), s.name)));
  const table = h("details", { class: "chart-data" }, h("summary", {}, spec.caption),
    h("div", { class: "scroll" }, h("table", {},
      h("caption", { class: "sr-only" }, spec.title),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), ser.map(s => h("th", { scope: "col" }, s.name)))),
      h("tbody", {}, cats.map((c, i) => h("tr", {}, h("th", { scope: "row" }, c),
        ser.map(s => h("td", { class: "num" }, fmt(s.values[i] || 0)))))))));
  return h("figure", { class: "chartbox" }, h("figcaption", {}, spec.title), svg, legend, table);
}
