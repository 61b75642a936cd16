// SPDX-License-Identifier: Apache-2.0
// Every center as a card in a grid: status and health, cores/GPUs free
// of total (meters with text), queue, running jobs, GPU pools, the
// scheduler's estimated wait and the prices in force; refreshed in place.
import { api } from "../api.js";
import { h, clear } from "../dom.js";
import { t, fmtDuration, fmtBytes, fmtTime, fmtMoney, word } from "../i18n.js";
import { centerStatus, capacity } from "../centerview.js";

// The prices in force at a center (a price list from GET /prices), or null.
function priceLine(pl) {
  if (!pl) return h("p", { class: "small muted" }, t("centers.noprices"));
  return h("p", { class: "small" }, t("centers.prices", { list: pl.items.map(i =>
    word("price", i.resource) + (i.model ? " " + i.model : "") + " " +
    (i.price !== undefined ? fmtMoney(i.price, pl.currency) : t("centers.tiered"))).join(" · ") }));
}

export function centerCard(c, prices) {
  const r = c.resources || {};
  const snap = c.snapshot || {};
  return h("article", { class: "card center", "aria-labelledby": "c-" + c.id },
    h("h2", { id: "c-" + c.id }, c.name, " ", centerStatus(c)),
    c.health === "degraded" && c.health_reason ? h("p", { class: "alert warn" }, c.health_reason) : null,
    capacity(t("centers.cores"), r.free_cores, r.total_cores),
    capacity(t("centers.gpus"), r.free_gpus, r.total_gpus),
    (snap.gpu_pools || []).length ? h("ul", { class: "plain small" }, snap.gpu_pools.map(p =>
      h("li", {}, t("centers.pool", { model: p.model, free: p.free, total: p.total })))) : null,
    h("dl", { class: "facts small" },
      h("dt", {}, t("centers.memory")), h("dd", {}, r.total_memory_bytes ? t("centers.free",
        { free: fmtBytes(r.free_memory_bytes), total: fmtBytes(r.total_memory_bytes) }) : "—"),
      h("dt", {}, t("centers.queue")), h("dd", {}, String(r.queue_length ?? 0)),
      h("dt", {}, t("centers.running")), h("dd", {}, String(r.running ?? 0)),
      snap.est_wait_seconds !== undefined && snap.est_wait_seconds !== null
        ? [h("dt", {}, t("centers.wait")), h("dd", {}, fmtDuration(snap.est_wait_seconds))] : null,
      h("dt", {}, t("centers.adapter")), h("dd", {}, c.adapter || "—"),
      h("dt", {}, t("centers.heartbeat")), h("dd", {}, c.last_heartbeat_at ? fmtTime(c.last_heartbeat_at) : "—")),
    prices === undefined ? null : priceLine(prices));
}

export default {
  title: "centers.title",
  async render(ctx) {
    const grid = h("div", { class: "cards" });
    async function load() {
      const [r, pl] = await Promise.all([api("GET", "/centers", undefined, { signal: ctx.signal }),
        api("GET", "/prices?limit=1000", undefined, { signal: ctx.signal })]);
      if (!ctx.alive()) return;
      const inForce = name => pl.items.find(x => x.center === name && x.in_force) || null;
      clear(grid, r.items.length ? r.items.map(c => centerCard(c, inForce(c.name)))
        : h("p", { class: "muted" }, t("centers.none.yet")));
    }
    clear(ctx.main, h("h1", {}, t("centers.title")), h("p", { class: "muted" }, t("centers.intro")), grid);
    await load();
    ctx.every(5000, () => load().catch(() => {}));
  },
};
