// SPDX-License-Identifier: Apache-2.0
// Platform admin: the users (adding one; disabling one, after saying what
// happens to their jobs under the hub's policy, and enabling again), and
// the roles granted beside them (center operator of a center, merchant).
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, fmtTime, word } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

const GRANTABLE = ["center_operator", "merchant"];

export default {
  title: "admin.users.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const confirmBox = h("div", { "aria-live": "polite" });
    const name = h("input", { name: "name", required: true, maxlength: 63, autocomplete: "off",
      pattern: "[a-z0-9._\\-]+" });
    const pw = h("input", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" });
    const role = h("select", { name: "role" }, ["user", "admin"].map(r => h("option", { value: r }, word("role", r))));
    const msg = h("div", { "aria-live": "polite" });
    const form = h("form", { class: "card", "aria-labelledby": "add-user" }, h("h2", { id: "add-user" }, t("admin.users.add")),
      h("div", { class: "grid4" }, field(t("admin.users.name"), name, t("admin.users.name.hint")),
        field(t("admin.users.password"), pw, t("admin.users.password.hint")), field(t("admin.users.role"), role)),
      msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("admin.users.create"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(msg);
      try {
        const u = await api("POST", "/users", { name: name.value.trim(), password: pw.value, role: role.value });
        toast(t("admin.users.created", { name: u.name }));
        form.reset();
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    });
    const [settings, centers] = await Promise.all([api("GET", "/settings", undefined, { signal: ctx.signal }),
      listAll("/centers")]);

    // Disabling asks first, saying what the hub will do with the jobs.
    function askDisable(u, back) {
      const cancel = h("button", { type: "button", onclick: () => { clear(confirmBox); back.focus(); } }, t("users.cancel"));
      const yes = h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          const r = await api("POST", "/users/" + encodeURIComponent(u.id) + "/disable", {});
          clear(confirmBox, h("p", { class: "alert info", role: "status" }, t("users.disabled.done", { name: u.name, n: r.jobs_cancelled || 0 })));
          await load();
        } catch (e) { clear(confirmBox, errorBox(e)); }
      } }, t("users.disable.yes", { name: u.name }));
      clear(confirmBox, h("div", { class: "alert warn", role: "group", "aria-labelledby": "dis-q" },
        h("p", { id: "dis-q" }, t("users.disable.q", { name: u.name })),
        h("p", {}, t(settings.disabled_user_jobs === "keep" ? "users.policy.keep" : "users.policy.cancel")),
        h("p", { class: "actions" }, yes, " ", cancel)));
      yes.focus();
    }
    async function enable(u) {
      try {
        await api("POST", "/users/" + encodeURIComponent(u.id) + "/enable", {});
        clear(confirmBox, h("p", { class: "alert info", role: "status" }, t("users.enabled.done", { name: u.name })));
        await load();
      } catch (e) { clear(confirmBox, errorBox(e)); }
    }

    // Roles: grant and revoke center_operator (of one center) and merchant.
    const rmsg = h("div", { "aria-live": "polite" });
    const grants = h("div", {});
    const guser = h("input", { name: "grant-user", required: true, autocomplete: "off" });
    const grole = h("select", { name: "grant-role" }, GRANTABLE.map(r => h("option", { value: r }, word("role", r))));
    const gcenter = h("select", { name: "grant-center" }, centers.map(c => h("option", { value: c.name }, c.name)));
    const centerField = field(t("roles.center"), gcenter, t("roles.center.hint"));
    grole.addEventListener("change", () => { centerField.hidden = grole.value !== "center_operator"; });
    const gform = h("form", {}, h("div", { class: "grid4" }, field(t("roles.user"), guser), field(t("roles.role"), grole), centerField,
      h("div", { class: "field" }, h("span", { "aria-hidden": "true" }, " "),
        h("button", { type: "submit", class: "primary" }, t("roles.grant")))));
    const body = g => (g.role === "center_operator" ? { user: g.user, role: g.role, center: g.center } : { user: g.user, role: g.role });
    gform.addEventListener("submit", async ev => {
      ev.preventDefault();
      clear(rmsg);
      try {
        await api("POST", "/roles", body({ user: guser.value.trim(), role: grole.value, center: gcenter.value }));
        toast(t("roles.granted", { name: guser.value.trim() }));
        await load();
      } catch (e) { clear(rmsg, errorBox(e)); }
    });
    async function revoke(g) {
      clear(rmsg);
      try {
        await api("POST", "/roles/revoke", body({ user: g.user_name, role: g.role, center: g.scope_name }));
        toast(t("roles.revoked", { name: g.user_name }));
        await load();
      } catch (e) { clear(rmsg, errorBox(e)); }
    }
    const rolesCard = h("section", { class: "card", "aria-labelledby": "roles-h" }, h("h2", { id: "roles-h" }, t("roles.title")),
      h("p", { class: "muted small" }, t("roles.intro")), gform, rmsg, grants);

    async function load() {
      const [r, g] = await Promise.all([api("GET", "/users", undefined, { signal: ctx.signal }), listAll("/roles")]);
      if (!ctx.alive()) return;
      clear(list, h("div", { class: "scroll" }, table(t("admin.users.title"),
        [t("admin.users.name"), t("admin.users.role"), t("admin.users.status"), t("admin.users.created.at"), t("prices.actions")],
        r.items.map(u => {
          const btn = u.disabled
            ? h("button", { type: "button", onclick: () => enable(u) }, t("users.enable", { name: u.name }))
            : h("button", { type: "button", onclick: () => askDisable(u, btn) }, t("users.disable", { name: u.name }));
          return h("tr", {}, h("td", {}, u.name), h("td", {}, word("role", u.role)),
            h("td", {}, u.disabled ? t("admin.users.disabled") : t("admin.users.active")),
            h("td", {}, fmtTime(u.created_at)), h("td", {}, u.role === "admin" ? "" : btn));
        }))));
      clear(grants, g.length ? h("div", { class: "scroll" }, table(t("roles.title"),
        [t("roles.user"), t("roles.role"), t("roles.center"), t("roles.since"), t("prices.actions")],
        g.map(x => h("tr", {}, h("th", { scope: "row" }, x.user_name), h("td", {}, word("role", x.role)),
          h("td", {}, x.scope_name || ""), h("td", {}, fmtTime(x.created_at)),
          h("td", {}, h("button", { type: "button", onclick: () => revoke(x) },
            t("roles.revoke", { name: x.user_name, role: word("role", x.role) })))))))
        : h("p", { class: "muted" }, t("roles.none")));
    }
    clear(ctx.main, h("h1", {}, t("admin.users.title")), form, confirmBox, list, rolesCard);
    await load();
  },
};
