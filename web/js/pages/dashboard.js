// SPDX-License-Identifier: Apache-2.0
// The first page after sign-in: balance and quota bars, my running and
// recent jobs, and the centers' health at a glance; refreshed in place
// every few seconds.
import { api } from "../api.js";
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { isAdmin } from "../session.js";
import { jobsTable } from "../jobview.js";
import { centerStatus, capacity } from "../centerview.js";
import { balanceStats, quotaBars } from "../moneyview.js";

export default {
  title: "dash.title",
  async render(ctx) {
    const mine = isAdmin() ? "&user=" + encodeURIComponent(ctx.user.name) : "";
    const running = h("section", { class: "card", "aria-labelledby": "dash-running" });
    const recent = h("section", { class: "card", "aria-labelledby": "dash-recent" });
    const health = h("section", { class: "card", "aria-labelledby": "dash-centers" });
    const money = h("section", { class: "card", "aria-labelledby": "dash-money" });
    const quota = h("section", { class: "card", "aria-labelledby": "dash-quota" });
    clear(ctx.main, h("h1", {}, t("dash.title")),
      h("p", {}, h("a", { class: "button primary", href: "#/submit" }, t("dash.new"))),
      h("div", { class: "grid2" }, money, quota),
      h("div", { class: "grid2" }, running, health), recent);

    async function load() {
      const [run, rec, centers, acc, q] = await Promise.all([
        api("GET", "/jobs?state=running&limit=20" + mine, undefined, { signal: ctx.signal }),
        api("GET", "/jobs?limit=8" + mine, undefined, { signal: ctx.signal }),
        api("GET", "/centers", undefined, { signal: ctx.signal }),
        api("GET", "/accounts/me", undefined, { signal: ctx.signal }),
        api("GET", "/quotas", undefined, { signal: ctx.signal }),
      ]);
      if (!ctx.alive()) return;
      clear(money, h("h2", { id: "dash-money" }, t("money.title")), balanceStats(acc),
        h("p", {}, h("a", { href: "#/usage" }, t("dash.usage"))));
      clear(quota, h("h2", { id: "dash-quota" }, t("quota.title")), quotaBars(q.items));
      clear(running, h("h2", { id: "dash-running" }, t("dash.running", { n: run.items.length })),
        run.items.length ? jobsTable(t("dash.running", { n: run.items.length }), run.items)
          : h("p", { class: "muted" }, t("dash.norunning")));
      clear(recent, h("h2", { id: "dash-recent" }, t("dash.recent")),
        rec.items.length ? jobsTable(t("dash.recent"), rec.items)
          : h("p", { class: "muted" }, t("dash.nojobs")),
        h("p", {}, h("a", { href: "#/jobs" }, t("dash.alljobs"))));
      clear(health, h("h2", { id: "dash-centers" }, t("dash.centers")),
        h("ul", { class: "plain" }, centers.items.map(c => h("li", { class: "health-row" },
          h("a", { href: "#/centers" }, c.name), " ", centerStatus(c),
          capacity(t("centers.cores"), c.resources.free_cores, c.resources.total_cores)))));
    }
    await load();
    ctx.every(5000, () => load().catch(() => {}));
  },
};
