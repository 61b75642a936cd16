// SPDX-License-Identifier: Apache-2.0
// The frame around every page: skip link, brand, main navigation (a menu
// button at phone width), language switch, who is signed in, sign-out.
import { h, clear } from "./dom.js";
import { t, lang, setLang, LANGS } from "./i18n.js";
import { currentUser, isAdmin, adminOrgs, operatedCenters, signOut } from "./session.js";
import { go, render } from "./router.js";

const LANG_NAMES = { "zh-CN": "中文", en: "English" };

// Nav entries: [hash, text key, shown to (user) -> bool].
const NAV = [
  ["#/", "nav.dashboard", u => !!u],
  ["#/submit", "nav.submit", u => !!u],
  ["#/jobs", "nav.jobs", u => !!u],
  ["#/centers", "nav.centers", u => !!u],
  ["#/usage", "nav.usage", u => !!u],
  ["#/org", "nav.org", () => isAdmin() || adminOrgs().length > 0],
  ["#/operator", "nav.operator", () => operatedCenters().length > 0],
  ["#/admin", "nav.admin", () => isAdmin()],
];

export function renderShell(path) {
  const shell = document.getElementById("shell");
  const user = currentUser();
  const navId = "mainnav";
  const toggle = h("button", { type: "button", class: "menu-toggle", "aria-expanded": "false",
    "aria-controls": navId }, t("nav.menu"));
  const nav = h("nav", { id: navId, "aria-label": t("nav.label") },
    h("ul", {}, NAV.filter(n => n[2](user)).map(([href, key]) => {
      const cur = href === "#" + path || (href !== "#/" && ("#" + path).startsWith(href + "/"));
      return h("li", {}, h("a", { href, "aria-current": cur ? "page" : null }, t(key)));
    })));
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  const sel = h("select", { id: "lang", "aria-label": t("shell.language") },
    Object.keys(LANGS).map(l => h("option", { value: l, selected: l === lang() }, LANG_NAMES[l])));
  sel.addEventListener("change", () => { setLang(sel.value); render(); });
  const skip = h("a", { class: "skip", href: "#main" }, t("shell.skip"));
  skip.addEventListener("click", ev => {
    ev.preventDefault(); // the hash is the router's
    document.getElementById("main").focus();
  });
  const tools = h("div", { class: "tools" }, sel,
    user ? h("a", { class: "who", href: "#/account", title: t("account.title") }, t("shell.signedin", { name: user.name })) : null,
    user ? h("button", { type: "button", class: "link", onclick: async () => {
      try { await signOut(); } finally { go("#/signin?reason=signedout"); }
    } }, t("shell.signout")) : null);
  clear(shell, skip, h("header", { class: "top" },
    h("a", { class: "brand", href: "#/" }, h("img", { src: "/favicon.svg", alt: "", width: 24, height: 24 }),
      h("span", {}, t("app.name"))),
    user ? toggle : null, user ? nav : null, tools));
}

export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  setTimeout(() => { if (el.textContent === text) el.textContent = ""; }, 5000);
}
