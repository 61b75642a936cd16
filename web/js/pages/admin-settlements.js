// SPDX-License-Identifier: Apache-2.0
// Platform admin: a month's settlement per center (what its prices earned,
// the platform's commission, merchants' share, what the center is owed),
// as a table and a CSV download, and the payouts of that month (once per
// center and month: paying again says "paid before").
import { api } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, fmtMoney, fmtTime } from "../i18n.js";
import { isAdmin } from "../session.js";
import { go, errorBox } from "../router.js";

const thisMonth = () => new Date().toISOString().slice(0, 7);

export default {
  title: "admin.settlements.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const q = ctx.query.get("period");
    const period = /^\d{4}-\d\d$/.test(q || "") ? q : thisMonth();
    const month = h("input", { name: "period", type: "month", value: period, required: true, pattern: "\\d{4}-\\d{2}" });
    const pick = h("form", { class: "filters", "aria-label": t("settle.pick") }, field(t("settle.period"), month),
      h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "), h("button", { type: "submit" }, t("settle.show"))));
    pick.addEventListener("submit", ev => { ev.preventDefault(); go("#/admin/settlements?period=" + encodeURIComponent(month.value)); });
    const report = h("section", { class: "card", "aria-labelledby": "s-rep" });
    const pay = h("section", { class: "card", "aria-labelledby": "s-pay" });
    const base = "/settlements/" + encodeURIComponent(period);

    async function load() {
      const s = await api("GET", base, undefined, { signal: ctx.signal });
      if (!ctx.alive()) return;
      const m = v => fmtMoney(v, s.currency);
      clear(report, h("h2", { id: "s-rep" }, t("settle.report", { period })),
        h("p", { class: "muted small" }, t("settle.commission", { pct: s.commission_percent }), " · ", t("settle.generated", { when: fmtTime(s.generated_at) })),
        s.centers.length ? h("div", { class: "scroll" }, table(t("settle.report", { period }),
          [t("settle.center"), t("usage.jobs"), t("settle.earned"), t("settle.commission.col"), t("settle.merchant"), t("settle.net")],
          [...s.centers.map(c => h("tr", {}, h("th", { scope: "row" }, c.center), h("td", { class: "num" }, String(c.jobs)),
            h("td", { class: "num" }, m(c.earned)), h("td", { class: "num" }, m(c.platform_commission)),
            h("td", { class: "num" }, m(c.merchant_share)), h("td", { class: "num" }, m(c.net)))),
          h("tr", { class: "total" }, h("th", { scope: "row" }, t("settle.total")), h("td", {}, ""),
            h("td", { class: "num" }, m(s.total_earned)), h("td", { class: "num" }, m(s.platform_commission)),
            h("td", { class: "num" }, m(s.merchant_share)),
            h("td", { class: "num" }, m(s.total_earned - s.platform_commission - s.merchant_share)))]))
          : h("p", { class: "muted" }, t("settle.none")),
        h("p", {}, h("a", { href: "/api/v1" + base + "?format=csv", download: "hpcnet-settlement-" + period + ".csv" },
          t("settle.csv", { period }))));
    }
    const out = h("div", { "aria-live": "polite" });
    const payBtn = h("button", { type: "button", class: "primary" }, t("settle.pay", { period }));
    payBtn.addEventListener("click", async () => {
      clear(out);
      try {
        const r = await api("POST", base + "/payouts", {});
        clear(out, h("div", { class: "scroll" }, table(t("settle.payouts", { period }), [t("settle.center"), t("money.amount"), t("settle.result")],
          r.payouts.map(p => h("tr", {}, h("th", { scope: "row" }, p.center), h("td", { class: "num" }, fmtMoney(p.amount, r.currency)),
            h("td", {}, t("settle.result." + p.result.replace(/ /g, "_"))))))));
        await load();
      } catch (e) { clear(out, errorBox(e)); }
    });
    clear(pay, h("h2", { id: "s-pay" }, t("settle.payouts.title")), h("p", { class: "muted small" }, t("settle.payouts.intro")),
      h("p", {}, payBtn), out);
    clear(ctx.main, h("h1", {}, t("admin.settlements.title")), pick, report, pay);
    await load();
  },
};
