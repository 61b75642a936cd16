// SPDX-License-Identifier: Apache-2.0
// A small hash router: "#/jobs/job_01...?state=running" -> a page module.
// Pages get a context whose timers and requests end when the user leaves
// the page, so live refresh never outlives its page. After each
// navigation the page's heading takes the focus (screen readers announce
// the new page; keyboard users start from the top of it).
import { ApiError } from "./api.js";
import { currentUser } from "./session.js";
import { t } from "./i18n.js";
import { h, clear } from "./dom.js";

const routes = [];
let leaving = null;
let renderShell = () => {};

// pattern "/jobs/:id"; page {title, admin?, public?, render(ctx)}.
export function route(pattern, page) {
  const names = [];
  const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (m, n) => { names.push(n); return "([^/]+)"; }) + "$");
  routes.push({ re, names, page });
}

export function onNavigate(fn) { renderShell = fn; }

export function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(qs || "") };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { page: r.page, params };
    }
  }
  return null;
}

export async function render() {
  if (leaving) leaving();
  const main = document.getElementById("main");
  const { path, query } = parseHash();
  let found = match(path);
  const user = currentUser();
  if (!found) found = { page: errorPage("notfound"), params: {} };
  if (!found.page.public && !user) {
    go("#/signin?next=" + encodeURIComponent(location.hash || "#/"));
    return;
  }
  if (found.page.admin && !found.page.admin(user)) found = { page: errorPage("forbidden"), params: {} };

  const timers = [], ctl = new AbortController();
  let alive = true;
  leaving = () => { alive = false; timers.forEach(clearInterval); ctl.abort(); leaving = null; };
  const ctx = {
    main, params: found.params, query, user, signal: ctl.signal,
    alive: () => alive,
    // every(ms, fn): fn() now and then every ms while the page is shown.
    every(ms, fn) { timers.push(setInterval(() => { if (alive) fn(); }, ms)); },
  };
  renderShell(path);
  clear(main);
  document.title = t(found.page.title) + " · hpcnet";
  let focused = false;
  try {
    const done = found.page.render(ctx);
    // Most pages put their heading up before their first API answer:
    // focus it at once rather than after the data.
    await new Promise(r => setTimeout(r, 0));
    if (alive && main.querySelector("h1")) { focusHeading(main); focused = true; }
    await done;
  } catch (e) {
    if (!alive || e.name === "AbortError") return;
    if (e instanceof ApiError && e.status === 401) return; // sign-in page shown instead
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
      const p = errorPage(e.status === 403 ? "forbidden" : "notfound", e.message);
      document.title = t(p.title) + " · hpcnet";
      clear(main);
      p.render(ctx);
    } else {
      clear(main, h("h1", { tabindex: "-1" }, t("error.title")), errorBox(e));
    }
  }
  if (alive && (!focused || !main.contains(document.activeElement))) focusHeading(main);
}

export function focusHeading(main) {
  const h1 = main.querySelector("h1");
  if (h1) {
    h1.setAttribute("tabindex", "-1");
    h1.focus({ preventScroll: false });
  }
}

export function errorBox(e) {
  return h("div", { class: "alert error", role: "alert" }, h("p", {}, e.message),
    e.fields && e.fields.length ? h("ul", {}, e.fields.map(f => h("li", {}, f.field + ": " + f.message))) : null);
}

// The clear pages for "not found (or not yours)" and "not allowed".
export function errorPage(kind, detail) {
  return {
    title: "error." + kind,
    render(ctx) {
      clear(ctx.main, h("section", { class: "errorpage" },
        h("h1", {}, t("error." + kind)),
        h("p", {}, t("error." + kind + ".text")),
        detail ? h("p", { class: "muted" }, detail) : null,
        h("p", {}, h("a", { href: "#/", class: "button" }, t("error.home")))));
    },
  };
}
