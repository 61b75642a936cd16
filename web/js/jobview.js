// SPDX-License-Identifier: Apache-2.0
// How jobs look wherever they appear: state badges, a jobs table.
import { h, table } from "./dom.js";
import { t, word, fmtTime } from "./i18n.js";

export const FINAL = ["succeeded", "failed", "cancelled", "lost"];
export const STATES = ["submitted", "queued", "dispatched", "pending", "held", "running", "suspended",
  "succeeded", "failed", "cancelled", "lost"];

export function stateBadge(state) {
  return h("span", { class: "badge state-" + state }, word("state", state));
}

export function jobsTable(caption, jobs, opts) {
  opts = opts || {};
  const rows = jobs.map(j => h("tr", {},
    h("td", {}, h("a", { href: "#/jobs/" + encodeURIComponent(j.id) }, j.name), h("br"),
      h("small", { class: "muted mono" }, j.id)),
    h("td", {}, stateBadge(j.state)),
    h("td", {}, j.center || h("span", { class: "muted" }, t("jobs.unplaced"))),
    h("td", { class: "num" }, String(j.cores)),
    opts.user ? h("td", {}, j.user) : null,
    h("td", {}, fmtTime(j.submitted_at))));
  const heads = [t("jobs.name"), t("jobs.state"), t("jobs.center"), t("jobs.cores")];
  if (opts.user) heads.push(t("jobs.user"));
  heads.push(t("jobs.submitted"));
  return h("div", { class: "scroll" }, table(caption, heads, rows, { class: "jobs" }));
}
