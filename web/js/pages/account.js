// SPDX-License-Identifier: Apache-2.0
// My account: who I am (roles, organizations), a new password (every
// other session and token of mine ends; this one stays), and my API
// tokens (the CLI's sign-ins), each revocable.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtTime } from "../i18n.js";
import { currentUser } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";
import { newPassword } from "../newpassword.js";

export default {
  title: "account.title",
  async render(ctx) {
    const u = currentUser();
    const me = h("section", { class: "card", "aria-labelledby": "acct-me" }, h("h2", { id: "acct-me" }, t("account.me")),
      h("dl", { class: "facts" },
        h("dt", {}, t("account.name")), h("dd", {}, u.name),
        h("dt", {}, t("account.roles")), h("dd", {}, [word("role", u.role)].concat((u.roles || [])
          .filter(r => r.role !== "platform_admin")
          .map(r => word("role", r.role) + (r.scope_name ? " (" + r.scope_name + ")" : ""))).join(", ")),
        h("dt", {}, t("account.orgs")), h("dd", {}, (u.orgs || []).map(o => o.name + " · " + word("orgrole", o.my_role || "member")).join(", ") || "—")));
    const msg = h("div", { "aria-live": "polite" });
    const old = h("input", { type: "password", name: "old", required: true, autocomplete: "current-password" });
    const { pw, again, matches } = newPassword("new");
    const form = h("form", { class: "card", "aria-labelledby": "acct-pw", novalidate: true }, h("h2", { id: "acct-pw" }, t("account.password")),
      h("div", { class: "grid4" }, field(t("account.old"), old), field(t("account.new"), pw, t("admin.users.password.hint")),
        field(t("account.again"), again)),
      msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("account.change"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      if (!matches(msg)) return;
      try {
        const r = await api("POST", "/users/me/password", { old_password: old.value, new_password: pw.value });
        form.reset();
        clear(msg, h("p", { class: "alert info", role: "status" }, t("account.changed", { n: r.tokens_revoked || 0 })));
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    });
    const tokens = h("section", { class: "card", "aria-labelledby": "acct-tok" });
    async function load() {
      const items = await listAll("/tokens");
      if (!ctx.alive()) return;
      clear(tokens, h("h2", { id: "acct-tok" }, t("account.tokens")), h("p", { class: "muted small" }, t("account.tokens.intro")),
        items.length ? h("div", { class: "scroll" }, table(t("account.tokens"),
          [t("account.token.name"), t("account.token.created"), t("account.token.expires"), t("prices.actions")],
          items.map(x => h("tr", {}, h("th", { scope: "row" }, x.name), h("td", {}, fmtTime(x.created_at)), h("td", {}, fmtTime(x.expires_at)),
            h("td", {}, h("button", { type: "button", onclick: async () => {
              try {
                await api("DELETE", "/tokens/" + encodeURIComponent(x.id));
                toast(t("account.token.revoked", { name: x.name }));
                await load();
              } catch (e) { clear(msg, errorBox(e)); }
            } }, t("account.token.revoke", { name: x.name })))))))
          : h("p", { class: "muted" }, t("account.tokens.none")));
    }
    clear(ctx.main, h("h1", {}, t("account.title")), h("div", { class: "grid2" }, me, tokens), form);
    await load();
  },
};
