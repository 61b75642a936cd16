// SPDX-License-Identifier: Apache-2.0
// How a center looks: status/health badges and capacity meters.
import { h } from "./dom.js";
import { t, word, fmtNum } from "./i18n.js";

export function centerStatus(c) {
  const st = c.health === "degraded" ? "degraded" : c.draining ? "draining" : c.status;
  return h("span", { class: "badge center-" + st }, word("center", st));
}

// "<meter> 6 / 8 free" with a text equivalent for screen readers.
export function capacity(label, free, total) {
  if (!total) return h("div", { class: "cap" }, h("span", {}, label), h("span", { class: "muted" }, t("centers.none")));
  return h("div", { class: "cap" },
    h("span", {}, label),
    h("meter", { min: 0, max: total, value: free, low: total * 0.2, high: total * 0.6, optimum: total,
      "aria-label": t("centers.freeof", { what: label, free: fmtNum(free), total: fmtNum(total) }) }),
    h("span", { class: "num" }, t("centers.free", { free: fmtNum(free), total: fmtNum(total) })));
}
