// SPDX-License-Identifier: Apache-2.0
// Org admin: an organization's members and their roles (add, make admin,
// remove), its projects (create, members), and the quotas of its members.
// A platform admin sees every org here; an org admin the orgs they run.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtTime } from "../i18n.js";
import { isAdmin, adminOrgs } from "../session.js";
import { go, errorBox } from "../router.js";
import { toast } from "../shell.js";
import { quotaBars } from "../moneyview.js";

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
    const base = "/orgs/" + encodeURIComponent(org.id);

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
      // Members' quotas: the API lets only platform admins read other
      // users' quotas today, so org admins get a note instead of 403s.
      const rows = [];
      if (isAdmin()) {
        for (const m of mem.slice(0, 50)) {
          const q = await api("GET", "/quotas?user=" + encodeURIComponent(m.user_name), undefined, { signal: ctx.signal });
          if (q.items.length) rows.push(h("h3", {}, m.user_name), quotaBars(q.items));
        }
      } else {
        rows.push(h("p", { class: "muted" }, t("org.quotas.hidden")));
      }
      clear(quotas, h("h2", { id: "org-quotas" }, t("org.quotas")), rows.length ? rows : h("p", { class: "muted" }, t("quota.none")),
        isAdmin() ? h("p", {}, h("a", { href: "#/admin/quotas" }, t("org.quotas.set"))) : null);
    }
    clear(ctx.main, h("h1", {}, t("org.title")), field(t("org.pick"), pick), msg,
      h("div", { class: "grid2" }, members, projects), quotas);
    await load();
  },
};
