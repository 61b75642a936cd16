// SPDX-License-Identifier: Apache-2.0
// An organization's invite codes, for its admins (on the org page): make
// one (member or admin, valid for some days; the code and a sign-up link
// are shown once, the hub keeps only a hash), list them (open, used by
// whom, expired) and revoke an open one.
import { api, listAll } from "./api.js";
import { h, clear, field, table } from "./dom.js";
import { t, word, fmtTime } from "./i18n.js";
import { errorBox } from "./router.js";
import { toast } from "./shell.js";

function status(i) {
  if (i.used_at) return t("invites.used", { name: i.used_by || "?" });
  return new Date(i.expires_at) <= new Date() ? t("invites.expired") : t("invites.open");
}

// -> a section that loads itself; base: "/orgs/<org id>".
export function invitesCard(ctx, base) {
  const card = h("section", { class: "card", "aria-labelledby": "org-invites" });
  const msg = h("div", { "aria-live": "polite" });
  const made = h("div", { "aria-live": "polite" });
  const role = h("select", { name: "invite-role" }, ["member", "admin"].map(r => h("option", { value: r }, word("orgrole", r))));
  const days = h("input", { name: "days", type: "number", min: 1, max: 365, value: 7, required: true, inputmode: "numeric" });
  const form = h("form", {}, h("div", { class: "grid4" }, field(t("invites.role"), role),
    field(t("invites.days"), days, t("invites.days.hint")),
    h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "),
      h("button", { type: "submit", class: "primary" }, t("invites.create")))));
  const list = h("div", {});
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    clear(msg);
    try {
      const inv = await api("POST", base + "/invites", { role: role.value, expires_in: Number(days.value) * 86400 });
      const link = location.origin + "/#/signup?invite=" + encodeURIComponent(inv.code);
      clear(made, h("div", { class: "alert info" }, h("p", {}, t("invites.made", { when: fmtTime(inv.expires_at) })),
        h("pre", { class: "invite-code" }, inv.code), h("p", { class: "small" }, t("invites.link")), h("pre", {}, link)));
      toast(t("invites.created"));
      await load();
    } catch (e) { clear(msg, errorBox(e)); }
  });
  async function revoke(i) {
    clear(msg);
    try {
      await api("DELETE", base + "/invites/" + encodeURIComponent(i.id));
      toast(t("invites.revoked"));
      await load();
    } catch (e) { clear(msg, errorBox(e)); }
  }
  async function load() {
    const items = await listAll(base + "/invites");
    if (!ctx.alive()) return;
    clear(list, items.length ? h("div", { class: "scroll" }, table(t("invites.title"),
      [t("invites.made.at"), t("invites.role"), t("invites.by"), t("invites.expires"), t("invites.status"), t("prices.actions")],
      items.map(i => {
        const open = !i.used_at && new Date(i.expires_at) > new Date();
        return h("tr", {}, h("td", {}, fmtTime(i.created_at)), h("td", {}, word("orgrole", i.role)),
          h("td", {}, i.created_by), h("td", {}, fmtTime(i.expires_at)), h("td", {}, status(i)),
          h("td", {}, open ? h("button", { type: "button", onclick: () => revoke(i) },
            t("invites.revoke", { when: fmtTime(i.created_at) })) : ""));
      })))
      : h("p", { class: "muted" }, t("invites.none")));
  }
  clear(card, h("h2", { id: "org-invites" }, t("invites.title")), h("p", { class: "muted small" }, t("invites.intro")),
    form, msg, made, list);
  return { card, load };
}
