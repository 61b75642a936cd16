// SPDX-License-Identifier: Apache-2.0
// Center operator: for each center the user operates, its agent's health
// and capacity, the jobs running and waiting there, its price lists, and
// a form for new prices (in force once a platform admin approves them).
import { api } from "../api.js";
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { operatedCenters } from "../session.js";
import { jobsTable } from "../jobview.js";
import { centerCard } from "./centers.js";
import { priceTable, priceForm } from "./admin-prices.js";

export default {
  title: "operator.title",
  admin: () => operatedCenters().length > 0,
  async render(ctx) {
    const boxes = operatedCenters().map(r => ({ name: r.scope_name, el: h("section", { "aria-label": r.scope_name }) }));
    async function load() {
      for (const b of boxes) {
        const [c, jobs, prices] = await Promise.all([
          api("GET", "/centers/" + encodeURIComponent(b.name), undefined, { signal: ctx.signal }),
          api("GET", "/jobs?limit=50&center=" + encodeURIComponent(b.name), undefined, { signal: ctx.signal }),
          api("GET", "/centers/" + encodeURIComponent(b.name) + "/prices", undefined, { signal: ctx.signal }),
        ]);
        if (!ctx.alive()) return;
        const active = jobs.items.filter(j => !["succeeded", "failed", "cancelled", "lost"].includes(j.state));
        clear(b.el, h("div", { class: "grid2" }, centerCard(c),
          h("section", { class: "card", "aria-labelledby": "op-p-" + c.id },
            h("h2", { id: "op-p-" + c.id }, t("operator.prices", { name: c.name })),
            prices.items.length ? priceTable(t("operator.prices", { name: c.name }), prices.items)
              : h("p", { class: "muted" }, t("prices.none")))),
        h("section", { class: "card", "aria-labelledby": "op-j-" + c.id },
          h("h2", { id: "op-j-" + c.id }, t("operator.jobs", { name: c.name, n: active.length })),
          jobs.items.length ? jobsTable(t("operator.jobs", { name: c.name, n: active.length }), jobs.items, { user: true })
            : h("p", { class: "muted" }, t("jobs.none"))));
      }
    }
    // Operators set their centers' prices; a platform admin approves them.
    const msg = h("div", { "aria-live": "polite" });
    clear(ctx.main, h("h1", {}, t("operator.title")), boxes.map(b => b.el),
      priceForm(boxes.map(b => b.name), msg, () => load()));
    await load();
    ctx.every(5000, () => load().catch(() => {}));
  },
};
