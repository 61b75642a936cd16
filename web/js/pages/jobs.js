// SPDX-License-Identifier: Apache-2.0
// My jobs (an administrator's: everyone's): filters by state, center and
// submit time, kept in the address (#/jobs?state=running) so a filtered
// view can be bookmarked; cursor paging; the page refreshes itself every
// few seconds without a reload.
import { api, listAll } from "../api.js";
import { h, clear, field } from "../dom.js";
import { t, word, fmtTime } from "../i18n.js";
import { isAdmin } from "../session.js";
import { go } from "../router.js";
import { STATES, jobsTable } from "../jobview.js";

const SINCE = { "": 0, "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 };
const PAGE = 20;

export default {
  title: "jobs.title",
  async render(ctx) {
    const q = ctx.query;
    const centers = await listAll("/centers");
    const state = h("select", { name: "state" }, h("option", { value: "" }, t("jobs.anystate")),
      STATES.map(s => h("option", { value: s, selected: q.get("state") === s }, word("state", s))));
    const center = h("select", { name: "center" }, h("option", { value: "" }, t("jobs.anycenter")),
      centers.map(c => h("option", { value: c.name, selected: q.get("center") === c.name }, c.name)));
    const since = h("select", { name: "since" }, Object.keys(SINCE).map(k =>
      h("option", { value: k, selected: (q.get("since") || "") === k }, t("jobs.since." + (k || "any")))));
    const filters = h("form", { class: "filters", role: "search", "aria-label": t("jobs.filters") },
      field(t("jobs.state"), state), field(t("jobs.center"), center), field(t("jobs.time"), since));
    filters.addEventListener("change", () => {
      const p = new URLSearchParams();
      if (state.value) p.set("state", state.value);
      if (center.value) p.set("center", center.value);
      if (since.value) p.set("since", since.value);
      go("#/jobs" + (p.toString() ? "?" + p : ""));
    });
    filters.addEventListener("submit", ev => ev.preventDefault());

    const list = h("div", { id: "jobs-list" });
    const status = h("p", { class: "muted small", "aria-live": "off" });
    // cursors[i] is the cursor of page i (page 0 has none).
    const cursors = [null];
    let page = 0;

    function query() {
      const p = new URLSearchParams({ limit: PAGE });
      if (state.value) p.set("state", state.value);
      if (center.value) p.set("center", center.value);
      if (since.value) p.set("submitted_after", new Date(Date.now() - SINCE[since.value] * 1000).toISOString());
      if (cursors[page]) p.set("cursor", cursors[page]);
      return "/jobs?" + p;
    }
    async function load() {
      const r = await api("GET", query(), undefined, { signal: ctx.signal });
      if (!ctx.alive()) return;
      cursors[page + 1] = r.next_cursor;
      const prev = h("button", { type: "button", disabled: page === 0 }, t("jobs.prev"));
      const next = h("button", { type: "button", disabled: !r.next_cursor }, t("jobs.next"));
      prev.addEventListener("click", () => { page--; load(); });
      next.addEventListener("click", () => { page++; load(); });
      const hadFocus = list.contains(document.activeElement) ? document.activeElement.textContent : null;
      clear(list, r.items.length ? jobsTable(t("jobs.title"), r.items, { user: isAdmin() })
        : h("p", { class: "muted" }, t("jobs.none")),
      h("nav", { class: "pager", "aria-label": t("jobs.pages") }, prev,
        h("span", {}, t("jobs.page", { n: page + 1 })), next));
      // Keep the keyboard where it was across a refresh.
      if (hadFocus === prev.textContent) prev.focus();
      if (hadFocus === next.textContent) next.focus();
      status.textContent = t("jobs.updated", { when: fmtTime(new Date().toISOString()) });
    }
    clear(ctx.main, h("h1", {}, t("jobs.title")), filters, list, status);
    await load();
    ctx.every(3000, () => load().catch(() => {}));
  },
};
