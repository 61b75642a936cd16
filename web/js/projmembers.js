// SPDX-License-Identifier: Apache-2.0
// Who may charge jobs to each of an organization's projects, for the org's
// admins (on the org page): pick a project, add one of the org's members,
// remove one.
import { api, listAll } from "./api.js";
import { h, clear, field, table } from "./dom.js";
import { t, fmtTime } from "./i18n.js";
import { errorBox } from "./router.js";
import { toast } from "./shell.js";

// -> {card, load(projects, orgMembers)}: a section for the org page.
export function projectMembersCard(ctx, orgName) {
  const card = h("section", { class: "card", "aria-labelledby": "org-pmembers" });
  const msg = h("div", { "aria-live": "polite" });
  let chosen = null;
  async function call(method, path, body, done) {
    clear(msg);
    try {
      await api(method, path, body);
      toast(done);
      await load(last.projects, last.members);
    } catch (e) { clear(msg, errorBox(e)); }
  }
  let last = { projects: [], members: [] };
  async function load(projects, members) {
    last = { projects, members };
    const head = h("h2", { id: "org-pmembers" }, t("pmembers.title"));
    if (!projects.length) {
      clear(card, head, h("p", { class: "muted" }, t("org.project.none")));
      return;
    }
    if (!chosen || !projects.some(p => p.id === chosen)) chosen = projects[0].id;
    const proj = projects.find(p => p.id === chosen);
    const base = "/projects/" + encodeURIComponent(proj.id) + "/members";
    const mem = await listAll(base);
    if (!ctx.alive()) return;
    const pick = h("select", { name: "pm-project" }, projects.map(p => h("option", { value: p.id, selected: p.id === chosen }, p.name)));
    pick.addEventListener("change", () => { chosen = pick.value; load(projects, members); });
    const outside = members.filter(m => !mem.some(x => x.user_id === m.user_id));
    const who = h("select", { name: "pm-user" }, outside.map(m => h("option", { value: m.user_name }, m.user_name)));
    const add = h("form", {}, h("div", { class: "grid4" }, field(t("pmembers.project"), pick),
      outside.length ? field(t("pmembers.user"), who) : h("p", { class: "muted small" }, t("pmembers.all")),
      h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "),
        h("button", { type: "submit", class: "primary", disabled: !outside.length }, t("pmembers.add")))));
    add.addEventListener("submit", ev => {
      ev.preventDefault();
      call("POST", base, { user: who.value }, t("pmembers.added", { name: who.value, project: proj.name }));
    });
    const caption = t("pmembers.of", { project: orgName + "/" + proj.name });
    clear(card, head, add, msg, mem.length ? h("div", { class: "scroll" }, table(caption,
      [t("org.user"), t("org.since"), t("prices.actions")],
      mem.map(m => h("tr", {}, h("th", { scope: "row" }, m.user_name), h("td", {}, fmtTime(m.added_at)),
        h("td", {}, h("button", { type: "button", onclick: () => call("DELETE", base + "/" + encodeURIComponent(m.user_id),
          undefined, t("pmembers.removed", { name: m.user_name, project: proj.name })) },
        t("pmembers.remove", { name: m.user_name, project: proj.name })))))))
      : h("p", { class: "muted" }, t("pmembers.none")));
  }
  return { card, load };
}
