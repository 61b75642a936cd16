// SPDX-License-Identifier: Apache-2.0
// Platform admin: search the audit log (who changed what, when, from
// where, with what result), by user, object and time range, page by page.
import { api } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, fmtTime } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";

function rfc(local) { return local ? new Date(local).toISOString() : null; }

export default {
  title: "admin.audit.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const user = h("input", { name: "user", autocomplete: "off" });
    const object = h("input", { name: "object", autocomplete: "off" });
    const from = h("input", { name: "from", type: "datetime-local" });
    const to = h("input", { name: "to", type: "datetime-local" });
    const out = h("div", {});
    const form = h("form", { class: "card filters", role: "search", "aria-label": t("audit.search") },
      field(t("audit.user"), user), field(t("audit.object"), object, t("audit.object.hint")),
      field(t("audit.from"), from), field(t("audit.to"), to),
      h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, t("audit.go"))));
    const cursors = [null];
    let page = 0;
    async function load() {
      const p = new URLSearchParams({ limit: 25 });
      if (user.value) p.set("user", user.value.trim());
      if (object.value) p.set("object", object.value.trim());
      if (from.value) p.set("from", rfc(from.value));
      if (to.value) p.set("to", rfc(to.value));
      if (cursors[page]) p.set("cursor", cursors[page]);
      try {
        const r = await api("GET", "/audit?" + p, undefined, { signal: ctx.signal });
        cursors[page + 1] = r.next_cursor;
        const prev = h("button", { type: "button", disabled: page === 0, onclick: () => { page--; load(); } }, t("jobs.prev"));
        const next = h("button", { type: "button", disabled: !r.next_cursor, onclick: () => { page++; load(); } }, t("jobs.next"));
        clear(out, r.items.length ? h("div", { class: "scroll" }, table(t("admin.audit.title"),
          [t("audit.seq"), t("audit.when"), t("audit.actor"), t("audit.action"), t("audit.object"), t("audit.status"), t("audit.ip")],
          r.items.map(a => h("tr", {}, h("td", { class: "num" }, String(a.seq)), h("td", {}, h("time", { datetime: a.at }, fmtTime(a.at))),
            h("td", {}, (a.actor_name || a.actor_id || "") + " (" + a.actor_type + ")"),
            h("td", { class: "mono small" }, a.method + " " + a.route),
            h("td", { class: "mono small" }, a.object_id || ""),
            h("td", { class: "num" }, String(a.status)), h("td", { class: "mono small" }, a.source_ip || "")))))
          : h("p", { class: "muted" }, t("audit.none")),
        h("nav", { class: "pager", "aria-label": t("jobs.pages") }, prev, h("span", {}, t("jobs.page", { n: page + 1 })), next));
      } catch (e) { clear(out, errorBox(e)); }
    }
    form.addEventListener("submit", ev => { ev.preventDefault(); cursors.length = 1; page = 0; load(); });
    clear(ctx.main, h("h1", {}, t("admin.audit.title")), form, out);
    await load();
  },
};
