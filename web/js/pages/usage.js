// SPDX-License-Identifier: Apache-2.0
// Usage and billing: balance, charts of usage by day and by center (core-
// hours or cost), invoices to download as CSV, and the balance history
// (the account's ledger entries).
import { api } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, lang, fmtMoney, fmtTime } from "../i18n.js";
import { barChart } from "../chart.js";
import { formatTick, formatValue } from "../ticks.js";
import { balanceStats, quotaBars } from "../moneyview.js";

const RANGES = { "30d": 30, "90d": 90, "365d": 365 };

function day(d) { return d.toISOString().slice(0, 10); }

// Usage rows {key, resource, billed_qty, amount} -> chart series by resource.
function series(items, metric, keys) {
  const res = [...new Set(items.map(i => i.resource + (i.model ? ":" + i.model : "")))];
  return res.map(r => ({
    name: metric === "cost" ? word("res", r.split(":")[0]) + (r.includes(":") ? " " + r.split(":")[1] : "")
      : word("res", r.split(":")[0]) + (r.includes(":") ? " " + r.split(":")[1] : "") + " (" + t("usage.hours") + ")",
    values: keys.map(k => items.filter(i => i.key === k && i.resource + (i.model ? ":" + i.model : "") === r)
      .reduce((s, i) => s + (metric === "cost" ? i.amount : i.billed_qty / 3600), 0)),
  }));
}

export default {
  title: "usage.title",
  async render(ctx) {
    const range = h("select", { name: "range" }, Object.keys(RANGES).map(k =>
      h("option", { value: k, selected: (ctx.query.get("range") || "30d") === k }, t("usage.range." + k))));
    const metric = h("select", { name: "metric" }, ["hours", "cost"].map(m =>
      h("option", { value: m, selected: (ctx.query.get("metric") || "hours") === m }, t("usage.metric." + m))));
    // ?org=NAME: the organization's usage and money (its admins may see them).
    const org = ctx.query.get("org");
    const accPath = org ? "/accounts/" + encodeURIComponent("org:" + org) : "/accounts/me";
    const orgQ = org ? "&org=" + encodeURIComponent(org) : "";
    let acc = await api("GET", accPath, undefined, { signal: ctx.signal });
    const balance = h("section", { class: "card", "aria-labelledby": "u-bal" });
    const charts = h("section", { class: "card", "aria-labelledby": "u-charts" });
    const invoices = h("section", { class: "card", "aria-labelledby": "u-inv" });
    const history = h("section", { class: "card", "aria-labelledby": "u-hist" });
    const quotas = h("section", { class: "card", "aria-labelledby": "u-quota" });
    const cur = acc.currency;

    async function load() {
      const since = day(new Date(Date.now() - RANGES[range.value] * 86400 * 1000));
      acc = await api("GET", accPath, undefined, { signal: ctx.signal });
      const [byDay, byCenter, inv, q, entries] = await Promise.all([
        api("GET", "/usage?by=day&since=" + since + orgQ, undefined, { signal: ctx.signal }),
        api("GET", "/usage?by=center&since=" + since + orgQ, undefined, { signal: ctx.signal }),
        api("GET", "/invoices" + (org ? "?org=" + encodeURIComponent(org) : ""), undefined, { signal: ctx.signal }),
        org ? Promise.resolve({ items: [] }) : api("GET", "/quotas", undefined, { signal: ctx.signal }),
        acc.id ? api("GET", "/accounts/" + encodeURIComponent(acc.id) + "/entries?limit=20", undefined, { signal: ctx.signal })
          : Promise.resolve({ items: [] }),
      ]);
      if (!ctx.alive()) return;
      clear(balance, h("h2", { id: "u-bal" }, t("money.title")), balanceStats(acc));
      const m = metric.value;
      // Hours may be tiny (a few seconds of a GPU): values keep their
      // significant digits and ticks get the decimals their step needs.
      const fmt = m === "cost" ? v => fmtMoney(Math.round(v), cur) : v => formatValue(v, lang());
      const axis = m === "cost" ? { minStep: 1, tickFormat: v => fmtMoney(Math.round(v), cur) }
        : { tickFormat: (v, d) => formatTick(v, d, lang()) };
      // Every day of the range on the axis, used or not.
      const days = [];
      for (let d = new Date(since + "T00:00:00Z"); d <= new Date(); d = new Date(d.getTime() + 86400000)) days.push(day(d));
      const centers = [...new Set(byCenter.items.map(i => i.key))].sort();
      clear(charts, h("h2", { id: "u-charts" }, t("usage.charts")),
        barChart({ title: t("usage.byday"), desc: t("usage.byday.desc"), categories: days.map(d => d.slice(5)),
          series: series(byDay.items, m, days), format: fmt, ...axis, caption: t("usage.data") }),
        centers.length ? barChart({ title: t("usage.bycenter"), desc: t("usage.bycenter.desc"), categories: centers,
          series: series(byCenter.items, m, centers), format: fmt, ...axis, caption: t("usage.data") })
          : h("p", { class: "muted" }, t("usage.none")));
      clear(invoices, h("h2", { id: "u-inv" }, t("usage.invoices")),
        inv.items.length ? h("div", { class: "scroll" }, table(t("usage.invoices"),
          [t("usage.period"), t("usage.jobs"), t("usage.total"), t("usage.download")],
          inv.items.map(i => h("tr", {}, h("th", { scope: "row" }, i.period), h("td", { class: "num" }, String(i.jobs)),
            h("td", { class: "num" }, fmtMoney(i.total, i.currency)),
            h("td", {}, h("a", { href: "/api/v1/invoices/" + encodeURIComponent(i.period) + "?format=csv" + orgQ,
              download: "hpcnet-invoice-" + i.period + ".csv" }, t("usage.csv", { period: i.period })))))))
          : h("p", { class: "muted" }, t("usage.noinvoices")));
      clear(history, h("h2", { id: "u-hist" }, t("usage.history")),
        entries.items.length ? h("div", { class: "scroll" }, table(t("usage.history"),
          [t("usage.when"), t("usage.what"), t("usage.amount"), t("usage.memo")],
          entries.items.map(e => h("tr", {}, h("td", {}, fmtTime(e.created_at)), h("td", {}, word("entry", e.kind)),
            h("td", { class: "num" }, fmtMoney(e.amount, cur)),
            h("td", {}, e.job_id ? h("a", { href: "#/jobs/" + encodeURIComponent(e.job_id) }, e.memo || e.job_id) : e.memo || "")))))
          : h("p", { class: "muted" }, t("usage.nohistory")));
      clear(quotas, h("h2", { id: "u-quota" }, t("quota.title")), org
        ? h("p", {}, h("a", { href: "#/org?org=" + encodeURIComponent(org) }, t("usage.org.quotas"))) : quotaBars(q.items));
    }
    const controls = h("form", { class: "filters", "aria-label": t("usage.controls") },
      field(t("usage.range"), range), field(t("usage.metric"), metric));
    controls.addEventListener("change", () => load());
    controls.addEventListener("submit", ev => ev.preventDefault());
    clear(ctx.main, h("h1", {}, org ? t("usage.org.title", { org }) : t("usage.title")), h("div", { class: "grid2" }, balance, quotas), controls, charts,
      h("div", { class: "grid2" }, invoices, history));
    await load();
    ctx.every(10000, () => load().catch(() => {}));
  },
};
