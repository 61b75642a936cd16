// SPDX-License-Identifier: Apache-2.0
// Create an account, where the hub allows it (hpcnet hub --signup open, or
// invite with a code from an organization's admin), then sign in at once.
// A closed hub says so, and who to ask.
import { api } from "../api.js";
import { h, clear, field } from "../dom.js";
import { t } from "../i18n.js";
import { signIn, currentUser } from "../session.js";
import { go, errorBox } from "../router.js";
import { newPassword } from "../newpassword.js";

export default {
  title: "signup.title",
  public: true,
  render(ctx) {
    if (currentUser()) { go("#/"); return; }
    const name = h("input", { name: "name", required: true, maxlength: 63, autocomplete: "username",
      autocapitalize: "none", spellcheck: "false" });
    const { pw, again, matches } = newPassword("password");
    const invite = h("input", { name: "invite", autocomplete: "off", value: ctx.query.get("invite") || "" });
    const msg = h("div", { "aria-live": "assertive" });
    const btn = h("button", { type: "submit", class: "primary" }, t("signup.submit"));
    const form = h("form", { class: "card narrow", novalidate: true }, h("h1", {}, t("signup.title")),
      field(t("signin.user"), name, t("admin.users.name.hint")),
      field(t("signin.password"), pw, t("admin.users.password.hint")), field(t("account.again"), again),
      field(t("signup.invite"), invite, t("signup.invite.hint")), msg, h("p", {}, btn),
      h("p", { class: "small" }, h("a", { href: "#/signin" }, t("signup.have"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      if (!matches(msg)) return;
      const body = { name: name.value.trim(), password: pw.value };
      if (invite.value.trim()) body.invite = invite.value.trim();
      btn.disabled = true;
      try {
        await api("POST", "/signup", body, { quiet401: true });
        await signIn(body.name, body.password);
        go("#/");
      } catch (e) {
        clear(msg, errorBox(e));
      } finally {
        btn.disabled = false;
      }
    });
    clear(ctx.main, form);
  },
};
