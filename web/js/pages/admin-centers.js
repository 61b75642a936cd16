// SPDX-License-Identifier: Apache-2.0
// Platform admin: register a center (its one-time join token and the
// agent command are shown once), issue a new join token, drain/undrain.
import { api } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";
import { centerStatus } from "../centerview.js";

function tokenBox(center, token) {
  const cmd = "hpcnet agent --hub " + location.origin + " --join-token " + token + " --name " + center +
    " --adapter local --workdir /var/lib/hpcnet-agent";
  return h("div", { class: "alert info", role: "status" },
    h("p", {}, t("admin.centers.token", { name: center })),
    h("pre", { class: "mono", tabindex: "0" }, cmd),
    h("p", { class: "small" }, t("admin.centers.token.once")));
}

export default {
  title: "admin.centers.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const shown = h("div", { "aria-live": "polite" });
    const name = h("input", { name: "name", required: true, maxlength: 63, autocomplete: "off" });
    const form = h("form", { class: "card", "aria-labelledby": "add-center" },
      h("h2", { id: "add-center" }, t("admin.centers.add")), field(t("admin.centers.name"), name),
      h("p", {}, h("button", { type: "submit", class: "primary" }, t("admin.centers.create"))));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      try {
        const c = await api("POST", "/centers", { name: name.value.trim() });
        clear(shown, tokenBox(c.name, c.join_token));
        form.reset();
        await load();
      } catch (e) { clear(shown, errorBox(e)); }
    });
    async function act(c, what) {
      try {
        const r = await api("POST", "/centers/" + encodeURIComponent(c.id) + "/" + what, {});
        if (what === "join-token") clear(shown, tokenBox(c.name, r.join_token));
        else toast(t("admin.centers.done." + what, { name: c.name }));
        await load();
      } catch (e) { clear(shown, errorBox(e)); }
    }
    async function load() {
      const r = await api("GET", "/centers", undefined, { signal: ctx.signal });
      clear(list, h("div", { class: "scroll" }, table(t("admin.centers.title"),
        [t("admin.centers.name"), t("admin.centers.status"), t("admin.centers.cores"), t("admin.centers.actions")],
        r.items.map(c => h("tr", {}, h("th", { scope: "row" }, c.name), h("td", {}, centerStatus(c)),
          h("td", { class: "num" }, String(c.resources.total_cores)),
          h("td", { class: "actions" },
            h("button", { type: "button", onclick: () => act(c, c.draining ? "undrain" : "drain") },
              t(c.draining ? "admin.centers.undrain" : "admin.centers.drain", { name: c.name })),
            h("button", { type: "button", onclick: () => act(c, "join-token") }, t("admin.centers.newtoken", { name: c.name }))))))));
    }
    clear(ctx.main, h("h1", {}, t("admin.centers.title")), form, shown, list);
    await load();
  },
};
