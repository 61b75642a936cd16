// SPDX-License-Identifier: Apache-2.0
// Money and quotas as the dashboard and the usage page show them.
import { h } from "./dom.js";
import { t, word, fmtMoney, fmtNum } from "./i18n.js";

export function balanceStats(acc) {
  const cur = acc.currency;
  return h("div", { class: "stats" },
    h("div", {}, h("div", { class: "muted small" }, t("money.available")), h("div", { class: "money" }, fmtMoney(acc.available, cur))),
    h("div", {}, h("div", { class: "muted small" }, t("money.balance")), h("div", {}, fmtMoney(acc.balance, cur))),
    h("div", {}, h("div", { class: "muted small" }, t("money.held")), h("div", {}, fmtMoney(acc.held, cur))),
    h("div", {}, h("div", { class: "muted small" }, t("money.credit")), h("div", {}, fmtMoney(acc.credit_limit, cur))));
}

// Quantities come in the quota's unit: seconds for *_hours (core-seconds,
// GPU-seconds), bytes, jobs.
function qty(v, unit) {
  if (unit === "core_seconds" || unit === "gpu_seconds") return fmtNum(v / 3600, 1);
  return fmtNum(v, 0);
}

export function quotaBars(items) {
  if (!items.length) return h("p", { class: "muted" }, t("quota.none"));
  return h("div", {}, items.map(q => {
    const used = q.used + q.reserved;
    const label = word("quota", q.resource) + (q.gpu_model ? " (" + q.gpu_model + ")" : "") + " · " + word("period", q.period);
    const text = t("quota.usedof", { used: qty(used, q.unit), limit: qty(q.limit, q.unit), unit: word("unit", q.unit) });
    return h("div", { class: "quota" }, h("span", {}, label),
      h("progress", { max: q.limit || 1, value: Math.min(used, q.limit), "aria-label": label + ": " + text }),
      h("span", { class: "num small" }, text));
  }));
}
