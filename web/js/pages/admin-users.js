// SPDX-License-Identifier: Apache-2.0
// Platform admin: the users, and adding one.
import { api } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, fmtTime, word } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

export default {
  title: "admin.users.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const name = h("input", { name: "name", required: true, maxlength: 63, autocomplete: "off",
      pattern: "[a-z0-9._\\-]+" });
    const pw = h("input", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" });
    const role = h("select", { name: "role" }, ["user", "admin"].map(r => h("option", { value: r }, word("role", r))));
    const msg = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "card", "aria-labelledby": "add-user" }, h("h2", { id: "add-user" }, t("admin.users.add")),
      h("div", { class: "grid4" }, field(t("admin.users.name"), name, t("admin.users.name.hint")),
        field(t("admin.users.password"), pw, t("admin.users.password.hint")), field(t("admin.users.role"), role)),
      msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("admin.users.create"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      try {
        const u = await api("POST", "/users", { name: name.value.trim(), password: pw.value, role: role.value });
        toast(t("admin.users.created", { name: u.name }));
        form.reset();
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    });
    async function load() {
      const r = await api("GET", "/users", undefined, { signal: ctx.signal });
      clear(list, h("div", { class: "scroll" }, table(t("admin.users.title"),
        [t("admin.users.name"), t("admin.users.role"), t("admin.users.status"), t("admin.users.created.at")],
        r.items.map(u => h("tr", {}, h("td", {}, u.name), h("td", {}, word("role", u.role)),
          h("td", {}, u.disabled ? t("admin.users.disabled") : t("admin.users.active")),
          h("td", {}, fmtTime(u.created_at)))))));
    }
    clear(ctx.main, h("h1", {}, t("admin.users.title")), form, list);
    await load();
  },
};
