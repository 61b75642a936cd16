// SPDX-License-Identifier: Apache-2.0
// Sign-in. Says why the user is here (session expired, signed out) and
// what went wrong (wrong password) in words, not codes.
import { h, clear, field } from "../dom.js";
import { t } from "../i18n.js";
import { signIn, currentUser } from "../session.js";
import { go, errorBox } from "../router.js";

export default {
  title: "signin.title",
  public: true,
  render(ctx) {
    const next = ctx.query.get("next");
    const target = next && next.startsWith("#/") && !next.startsWith("#/signin") ? next : "#/";
    if (currentUser()) { go(target); return; }
    const reason = ctx.query.get("reason");
    const msg = h("div", { "aria-live": "assertive" });
    const user = h("input", { name: "username", autocomplete: "username", required: true,
      autocapitalize: "none", spellcheck: "false" });
    const pw = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    const btn = h("button", { type: "submit", class: "primary" }, t("signin.submit"));
    const form = h("form", { class: "card narrow", novalidate: true },
      h("h1", {}, t("signin.title")),
      reason === "expired" ? h("p", { class: "alert info", role: "status" }, t("signin.expired")) : null,
      reason === "signedout" ? h("p", { class: "alert info", role: "status" }, t("signin.signedout")) : null,
      field(t("signin.user"), user), field(t("signin.password"), pw), msg, h("p", {}, btn),
      h("p", { class: "small" }, h("a", { href: "#/signup" }, t("signin.signup"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      if (!user.value || !pw.value) {
        clear(msg, h("p", { class: "alert error", role: "alert" }, t("signin.missing")));
        (user.value ? pw : user).focus();
        return;
      }
      btn.disabled = true;
      try {
        await signIn(user.value.trim(), pw.value);
        go(target);
      } catch (e) {
        pw.value = "";
        clear(msg, e.status === 401
          ? h("p", { class: "alert error", role: "alert", id: "signin-error" }, t("signin.wrong"))
          : errorBox(e));
        pw.focus();
      } finally {
        btn.disabled = false;
      }
    });
    clear(ctx.main, form);
  },
};
