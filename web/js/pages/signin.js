// SPDX-License-Identifier: Apache-2.0
// Sign-in. Says why the user is here (session expired, signed out) and
// what went wrong (wrong password, a refused sign-in at the identity
// provider) in words, not codes. When the hub has an OpenID provider
// (GET /settings says so), a button signs in there instead: a plain link
// to the hub's /oidc/login, which comes back signed in to `next`.
import { api } from "../api.js";
import { h, clear, field } from "../dom.js";
import { t } from "../i18n.js";
import { signIn, currentUser, expectSession } from "../session.js";
import { go, errorBox } from "../router.js";

// Why the hub's /oidc/callback sent the browser here (its oidc_error).
const OIDC_ERRORS = ["provider", "state", "exchange", "token", "account", "disabled",
  "unavailable", "busy", "config"];

function oidcError(query) {
  const code = query.get("oidc_error");
  if (!code) return null;
  const known = OIDC_ERRORS.includes(code) ? code : "unavailable";
  const detail = query.get("oidc_detail");
  return h("div", { class: "alert error", role: "alert", id: "oidc-error" },
    h("p", {}, t("signin.oidc.error." + known)),
    known === "provider" && detail && /^[A-Za-z0-9._-]{1,64}$/.test(detail)
      ? h("p", { class: "small" }, t("signin.oidc.detail", { code: detail })) : null);
}

// The provider's button, once the hub's settings say there is one.
async function oidcButton(slot, target, signal) {
  let s;
  try { s = await api("GET", "/settings", undefined, { signal, quiet401: true }); } catch (e) { return; }
  const o = s && s.oidc_signin;
  if (!o || !o.login_url) return;
  const back = "/" + target; // "#/jobs" -> "/#/jobs": a path of this site
  const a = h("a", { class: "button", id: "oidc-signin",
    href: o.login_url + "?return_to=" + encodeURIComponent(back) },
  t("signin.oidc.button", { name: o.provider_name }));
  // Back from the provider, the page must ask the hub about its cookie.
  a.addEventListener("click", expectSession);
  a.addEventListener("auxclick", expectSession);
  clear(slot, h("p", { class: "small" }, t("signin.oidc.or")), h("p", {}, a));
}

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
    const oidcSlot = h("div", {});
    const form = h("form", { class: "card narrow", novalidate: true },
      h("h1", {}, t("signin.title")),
      reason === "expired" ? h("p", { class: "alert info", role: "status" }, t("signin.expired")) : null,
      reason === "signedout" ? h("p", { class: "alert info", role: "status" }, t("signin.signedout")) : null,
      oidcError(ctx.query),
      field(t("signin.user"), user), field(t("signin.password"), pw), msg, h("p", {}, btn),
      oidcSlot,
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
    return oidcButton(oidcSlot, target, ctx.signal);
  },
};
