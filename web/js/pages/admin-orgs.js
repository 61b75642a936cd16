// SPDX-License-Identifier: Apache-2.0
// Platform admin: organizations (universities, companies, research groups)
// and creating one with its first admin.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtTime } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

export default {
  title: "admin.orgs.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const msg = h("div", { "aria-live": "polite" });
    const name = h("input", { name: "name", required: true, maxlength: 63, autocomplete: "off" });
    const display = h("input", { name: "display_name", maxlength: 128, autocomplete: "off" });
    const kind = h("select", { name: "kind" }, ["university", "company", "group"].map(k => h("option", { value: k }, word("kind", k))));
    const first = h("input", { name: "admin", autocomplete: "off" });
    const form = h("form", { class: "card", "aria-labelledby": "add-org" }, h("h2", { id: "add-org" }, t("admin.orgs.add")),
      h("div", { class: "grid4" }, field(t("admin.orgs.name"), name), field(t("admin.orgs.display"), display),
        field(t("admin.orgs.kind"), kind), field(t("admin.orgs.admin"), first, t("admin.orgs.admin.hint"))),
      msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("admin.orgs.create"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      const body = { name: name.value.trim(), kind: kind.value };
      if (display.value) body.display_name = display.value;
      if (first.value) body.admin = first.value.trim();
      try {
        const o = await api("POST", "/orgs", body);
        toast(t("admin.orgs.created", { name: o.name }));
        form.reset();
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    });
    async function load() {
      const orgs = await listAll("/orgs");
      clear(list, orgs.length ? h("div", { class: "scroll" }, table(t("admin.orgs.title"),
        [t("admin.orgs.name"), t("admin.orgs.display"), t("admin.orgs.kind"), t("admin.orgs.created.at")],
        orgs.map(o => h("tr", {}, h("th", { scope: "row" }, h("a", { href: "#/org?org=" + encodeURIComponent(o.name) }, o.name)),
          h("td", {}, o.display_name || ""), h("td", {}, word("kind", o.kind)), h("td", {}, fmtTime(o.created_at))))))
        : h("p", { class: "muted" }, t("admin.orgs.none")));
    }
    clear(ctx.main, h("h1", {}, t("admin.orgs.title")), form, list);
    await load();
  },
};
