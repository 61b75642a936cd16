// SPDX-License-Identifier: Apache-2.0
// Org admin: an organization's members and their roles (add, make admin,
// remove), invite codes (js/invites.js), its projects and who is in each
// (js/projmembers.js), its balance and usage, and the quotas of the org
// and its projects (set and removed here).
// A platform admin sees every org here; an org admin the orgs they run.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtTime } from "../i18n.js";
import { isAdmin, adminOrgs } from "../session.js";
import { go, errorBox } from "../router.js";
import { toast } from "../shell.js";
import { balanceStats } from "../moneyview.js";
import { invitesCard } from "../invites.js";
import { projectMembersCard } from "../projmembers.js";

const RES = ["concurrent_jobs", "core_hours", "gpu_hours", "storage_bytes"];

export default {
  title: "org.title",
  admin: () => isAdmin() || adminOrgs().length > 0,
  async render(ctx) {
    const orgs = isAdmin() ? await listAll("/orgs") : adminOrgs();
    if (!orgs.length) {
      clear(ctx.main, h("h1", {}, t("org.title")), h("p", { class: "muted" }, t("admin.orgs.none")));
      return;
    }
    const name = ctx.query.get("org") || orgs[0].name;
    const org = orgs.find(o => o.name === name) || orgs[0];
    const pick = h("select", { name: "org" }, orgs.map(o => h("option", { value: o.name, selected: o.name === org.name },
      o.display_name ? o.display_name + " (" + o.name + ")" : o.name)));
    pick.addEventListener("change", () => go("#/org?org=" + encodeURIComponent(pick.value)));
    const msg = h("div", { "aria-live": "polite" });
    const members = h("section", { class: "card", "aria-labelledby": "org-members" });
    const projects = h("section", { class: "card", "aria-labelledby": "org-projects" });
    const quotas = h("section", { class: "card", "aria-labelledby": "org-quotas" });
    const money = h("section", { class: "card", "aria-labelledby": "org-money" });
    const base = "/orgs/" + encodeURIComponent(org.id);
    const invites = invitesCard(ctx, base);
    const pmembers = projectMembersCard(ctx, org.name);

    async function call(method, path, body, done) {
      clear(msg);
      try {
        await api(method, path, body);
        if (done) toast(done);
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    }

    const who = h("input", { name: "user", required: true, autocomplete: "off" });
    const role = h("select", { name: "role" }, ["member", "admin"].map(r => h("option", { value: r }, word("orgrole", r))));
    const addForm = h("form", { class: "inline-form" }, h("div", { class: "grid4" }, field(t("org.user"), who),
      field(t("org.role"), role), h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "),
        h("button", { type: "submit", class: "primary" }, t("org.add")))));
    addForm.addEventListener("submit", ev => {
      ev.preventDefault();
      call("POST", base + "/members", { user: who.value.trim(), role: role.value }, t("org.added", { name: who.value.trim() }));
    });
    const pname = h("input", { name: "project", required: true, autocomplete: "off" });
    const pForm = h("form", {}, h("div", { class: "grid4" }, field(t("org.project.name"), pname),
      h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "),
        h("button", { type: "submit", class: "primary" }, t("org.project.create")))));
    pForm.addEventListener("submit", ev => {
      ev.preventDefault();
      call("POST", "/projects", { org: org.id, name: pname.value.trim() }, t("org.project.created", { name: pname.value.trim() }));
    });

    async function load() {
      const [mem, proj] = await Promise.all([listAll(base + "/members"), listAll("/projects?org=" + encodeURIComponent(org.id))]);
      if (!ctx.alive()) return;
      clear(members, h("h2", { id: "org-members" }, t("org.members")), addForm,
        h("div", { class: "scroll" }, table(t("org.members"), [t("org.user"), t("org.role"), t("org.since"), t("prices.actions")],
          mem.map(m => h("tr", {}, h("th", { scope: "row" }, m.user_name), h("td", {}, word("orgrole", m.role)),
            h("td", {}, fmtTime(m.added_at)),
            h("td", { class: "actions" },
              h("button", { type: "button", onclick: () => call("POST", base + "/members",
                { user: m.user_name, role: m.role === "admin" ? "member" : "admin" }, t("org.changed", { name: m.user_name })) },
              t(m.role === "admin" ? "org.make.member" : "org.make.admin", { name: m.user_name })),
              h("button", { type: "button", onclick: () => call("DELETE", base + "/members/" + encodeURIComponent(m.user_id),
                undefined, t("org.removed", { name: m.user_name })) }, t("org.remove", { name: m.user_name }))))))));
      clear(projects, h("h2", { id: "org-projects" }, t("org.projects")), pForm,
        proj.length ? h("ul", {}, proj.map(p => h("li", {}, p.name, p.description ? " — " + p.description : "")))
          : h("p", { class: "muted" }, t("org.project.none")));
      await Promise.all([invites.load(), pmembers.load(proj, mem)]);
      // The org's and its projects' quotas (set here by its admins).
      const all = (await listAll(isAdmin() ? "/quotas?all=1" : "/quotas"))
        .filter(q => (q.scope === "org" && q.scope_name === org.name) ||
          (q.scope === "project" && q.scope_name.startsWith(org.name + "/")));
      const scopeSel = h("select", { name: "scope" }, h("option", { value: "org:" + org.name }, t("org.quota.whole", { org: org.name })),
        proj.map(p => h("option", { value: "project:" + org.name + "/" + p.name }, t("org.quota.project", { project: p.name }))));
      const res = h("select", { name: "resource" }, RES.map(r => h("option", { value: r }, word("quota", r))));
      const limit = h("input", { name: "limit", type: "number", min: 0, required: true, inputmode: "numeric" });
      const period = h("select", { name: "period" }, ["month", "lifetime"].map(p => h("option", { value: p }, word("period", p))));
      const qForm = h("form", {}, h("div", { class: "grid4" }, field(t("quotas.scope"), scopeSel), field(t("quotas.resource"), res),
        field(t("quotas.limit"), limit, t("quotas.limit.hint")), field(t("quotas.period"), period)),
      h("p", {}, h("button", { type: "submit", class: "primary" }, t("quotas.save"))));
      qForm.addEventListener("submit", ev => {
        ev.preventDefault();
        call("POST", "/quotas", { scope: scopeSel.value, resource: res.value, limit: Number(limit.value), period: period.value },
          t("quotas.saved", { scope: scopeSel.value }));
      });
      clear(quotas, h("h2", { id: "org-quotas" }, t("org.quotas")), qForm,
        all.length ? h("div", { class: "scroll" }, table(t("org.quotas"),
          [t("quotas.scope"), t("quotas.resource"), t("quotas.period"), t("quotas.limit"), t("quotas.used"), t("prices.actions")],
          all.map(q => h("tr", {}, h("th", { scope: "row" }, q.scope + ":" + q.scope_name),
            h("td", {}, word("quota", q.resource)), h("td", {}, word("period", q.period)),
            h("td", { class: "num" }, String(q.limit)),
            h("td", { class: "num" }, q.used === undefined ? "—" : String(q.used + (q.reserved || 0))),
            h("td", {}, h("button", { type: "button", onclick: () => call("DELETE", "/quotas/" + encodeURIComponent(q.id), undefined,
              t("org.quota.removed")) }, t("quotas.remove", { scope: q.scope + ":" + q.scope_name })))))))
          : h("p", { class: "muted" }, t("quota.none")));
      const acc = await api("GET", "/accounts/" + encodeURIComponent("org:" + org.name), undefined, { signal: ctx.signal });
      clear(money, h("h2", { id: "org-money" }, t("org.money")), balanceStats(acc),
        h("p", {}, h("a", { href: "#/usage?org=" + encodeURIComponent(org.name) }, t("org.usage"))));
    }
    clear(ctx.main, h("h1", {}, t("org.title")), field(t("org.pick"), pick), msg,
      h("div", { class: "grid2" }, members, projects), h("div", { class: "grid2" }, invites.card, pmembers.card), money, quotas);
    await load();
  },
};
