// SPDX-License-Identifier: Apache-2.0
// Quotas: set one for a user or as a role's default, and see every quota
// with its use. A user past a quota is refused at submit with a message
// naming it.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtNum } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

const RES = ["concurrent_jobs", "core_hours", "gpu_hours", "storage_bytes"];

function qty(v, unit) {
  return unit === "core_seconds" || unit === "gpu_seconds" ? fmtNum(v / 3600, 1) : fmtNum(v, 0);
}

export default {
  title: "admin.quotas.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const msg = h("div", { "aria-live": "polite" });
    const who = h("input", { name: "scope", required: true, autocomplete: "off", placeholder: "user:alice" });
    const res = h("select", { name: "resource" }, RES.map(r => h("option", { value: r }, word("quota", r))));
    const limit = h("input", { name: "limit", type: "number", min: 0, required: true, inputmode: "numeric" });
    const period = h("select", { name: "period" }, ["month", "lifetime"].map(p => h("option", { value: p }, word("period", p))));
    const form = h("form", { class: "card", "aria-labelledby": "set-quota" }, h("h2", { id: "set-quota" }, t("quotas.set")),
      h("div", { class: "grid4" }, field(t("quotas.scope"), who, t("quotas.scope.hint")), field(t("quotas.resource"), res),
        field(t("quotas.limit"), limit, t("quotas.limit.hint")), field(t("quotas.period"), period)),
      msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("quotas.save"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      const scope = who.value.includes(":") ? who.value.trim() : "user:" + who.value.trim();
      // The form speaks hours; the API counts core/GPU hours as hours too.
      try {
        await api("POST", "/quotas", { scope, resource: res.value, limit: Number(limit.value), period: period.value });
        toast(t("quotas.saved", { scope }));
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    });
    async function remove(q) {
      try {
        await api("DELETE", "/quotas/" + encodeURIComponent(q.id));
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    }
    async function load() {
      const qs = await listAll("/quotas?all=1");
      clear(list, qs.length ? h("div", { class: "scroll" }, table(t("admin.quotas.title"),
        [t("quotas.scope"), t("quotas.resource"), t("quotas.period"), t("quotas.limit"), t("quotas.used"), t("prices.actions")],
        qs.map(q => h("tr", {}, h("th", { scope: "row" }, q.scope + ":" + q.scope_name),
          h("td", {}, word("quota", q.resource) + (q.gpu_model ? " (" + q.gpu_model + ")" : "")),
          h("td", {}, word("period", q.period)),
          h("td", { class: "num" }, fmtNum(q.limit, 0)),
          h("td", { class: "num" }, q.used === undefined ? "—" : qty(q.used + (q.reserved || 0), q.unit)),
          h("td", {}, h("button", { type: "button", onclick: () => remove(q) }, t("quotas.remove", { scope: q.scope_name })))))))
        : h("p", { class: "muted" }, t("quota.none")));
    }
    clear(ctx.main, h("h1", {}, t("admin.quotas.title")), form, list);
    await load();
  },
};
