// SPDX-License-Identifier: Apache-2.0
// Price lists: set one for a center (it waits for approval) and approve or
// reject the pending ones. Amounts are minor units (fen, cents) per unit.
import { api, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtMoney, fmtTime } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

export function priceItems(pl) {
  return h("ul", { class: "plain small" }, pl.items.map(i => h("li", {},
    word("price", i.resource) + (i.model ? " (" + i.model + ")" : "") + ": " +
    (i.tiers ? i.tiers.map(x => fmtMoney(x.price, pl.currency) + (x.up_to ? " ≤ " + x.up_to : "")).join(", ")
      : fmtMoney(i.price, pl.currency)))));
}

export function priceTable(caption, lists, actions) {
  return h("div", { class: "scroll" }, table(caption,
    [t("prices.center"), t("prices.items"), t("prices.from"), t("prices.status"), actions ? t("prices.actions") : null].filter(Boolean),
    lists.map(pl => h("tr", {}, h("th", { scope: "row" }, pl.center), h("td", {}, priceItems(pl)),
      h("td", {}, fmtTime(pl.effective_from)),
      h("td", {}, h("span", { class: "badge " + (pl.in_force ? "ok" : pl.status === "pending" ? "warn" : "") },
        pl.in_force ? t("prices.inforce") : word("pstatus", pl.status))),
      actions ? h("td", { class: "actions" }, actions(pl)) : null))));
}

// Sets a center's price list (core-hour and GPU-hour prices); it waits
// for a platform admin's approval. done() runs after a success.
export function priceForm(centerNames, msg, done) {
  const center = h("select", { name: "center" }, centerNames.map(n => h("option", { value: n }, n)));
  const core = h("input", { name: "core_hour", type: "number", min: 0, value: 0, inputmode: "numeric" });
  const gpu = h("input", { name: "gpu_hour", type: "number", min: 0, value: 0, inputmode: "numeric" });
  const form = h("form", { class: "card", "aria-labelledby": "set-price" }, h("h2", { id: "set-price" }, t("prices.set")),
    h("div", { class: "grid4" }, field(t("prices.center"), center), field(t("prices.core"), core, t("prices.minor")),
      field(t("prices.gpu"), gpu, t("prices.minor"))),
    msg, h("p", {}, h("button", { type: "submit", class: "primary" }, t("prices.submit"))));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    clear(msg);
    const items = [{ resource: "core_hour", price: Number(core.value) || 0 }];
    if (Number(gpu.value)) items.push({ resource: "gpu_hour", price: Number(gpu.value) });
    try {
      await api("POST", "/centers/" + encodeURIComponent(center.value) + "/prices", { items });
      toast(t("prices.submitted", { center: center.value }));
      await done();
    } catch (e) { clear(msg, errorBox(e)); }
  });
  return form;
}

export default {
  title: "admin.prices.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const centers = await listAll("/centers");
    const list = h("div", {});
    const msg = h("div", { "aria-live": "polite" });
    const form = priceForm(centers.map(c => c.name), msg, () => load());
    async function decide(pl, what) {
      try {
        await api("POST", "/prices/" + encodeURIComponent(pl.id) + "/" + what, {});
        toast(t("prices.done." + what, { center: pl.center }));
        await load();
      } catch (e) { clear(msg, errorBox(e)); }
    }
    async function load() {
      const lists = await listAll("/prices");
      clear(list, lists.length ? priceTable(t("admin.prices.title"), lists, pl => pl.status === "pending" ? [
        h("button", { type: "button", class: "primary", onclick: () => decide(pl, "approve") }, t("prices.approve", { center: pl.center })),
        h("button", { type: "button", onclick: () => decide(pl, "reject") }, t("prices.reject", { center: pl.center }))] : null)
        : h("p", { class: "muted" }, t("prices.none")));
    }
    clear(ctx.main, h("h1", {}, t("admin.prices.title")), form, list);
    await load();
  },
};
