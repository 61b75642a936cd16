// SPDX-License-Identifier: Apache-2.0
// One job: what it asked for, where it runs and why, its state timeline,
// its output (followed live while it runs), its usage, and the buttons
// that apply to its state. Another user's job answers 404 from the API,
// which shows as "not found" here: the portal has no way around that.
import { api } from "../api.js";
import { h, clear } from "../dom.js";
import { t, word, fmtTime, fmtBytes, fmtDuration, fmtNum, fmtMoney } from "../i18n.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";
import { FINAL, stateBadge } from "../jobview.js";

// Buttons, shown only where the hub would allow them: by the job's state
// and, at a center, by what that center's scheduler can do (its caps). A
// queued job is held and released by the hub itself.
const ACTIONS = [
  ["cancel", (j) => !FINAL.includes(j.state), "danger"],
  ["hold", (j, caps) => j.state === "queued" || (["dispatched", "pending"].includes(j.state) && caps.includes("hold")), ""],
  ["release", (j, caps) => j.state === "held" && (!j.center || caps.includes("hold")), ""],
  ["suspend", (j, caps) => j.state === "running" && caps.includes("suspend"), ""],
  ["resume", (j, caps) => j.state === "suspended" && caps.includes("suspend"), ""],
  ["requeue", (j, caps) => ["running", "suspended"].includes(j.state) && caps.includes("requeue"), ""],
];

// "charged 1.00 (held 3.00)" from GET /jobs/{id}/usage.
function costText(m) {
  const hold = m && m.hold;
  if (!hold) return null;
  if (hold.status === "charged" || hold.status === "settled")
    return t("job.charged", { amount: fmtMoney(hold.charged !== undefined ? hold.charged : hold.cost, hold.currency) });
  return t("job.held", { amount: fmtMoney(hold.amount, hold.currency) });
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

// Streams one output file into a <pre>: reads from the byte offset it has,
// long-polling while the job runs, until the job is finished or the page
// is left (its AbortSignal).
function outputPane(id, stream, signal, follow) {
  const pre = h("pre", { class: "output", tabindex: "0", "aria-label": t("job." + stream) });
  const note = h("p", { class: "muted small" });
  const decoder = new TextDecoder();
  let offset = 0, running = false;
  async function pump() {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const wait = follow.checked ? 20 : 0;
        const r = await fetch("/api/v1/jobs/" + encodeURIComponent(id) + "/" + stream + "?offset=" + offset + "&wait=" + wait,
          { credentials: "same-origin", signal });
        if (!r.ok) { note.textContent = t("job.outputerror", { status: r.status }); return; }
        const bytes = new Uint8Array(await r.arrayBuffer());
        offset += bytes.length;
        if (bytes.length) {
          const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          pre.append(decoder.decode(bytes, { stream: true }));
          if (atEnd) pre.scrollTop = pre.scrollHeight;
        }
        const st = r.headers.get("X-Hpcnet-Job-State");
        note.textContent = t("job.bytes", { n: fmtBytes(Number(r.headers.get("X-Hpcnet-Length") || offset)) });
        if (FINAL.includes(st) && Number(r.headers.get("X-Hpcnet-Length")) <= offset) return;
        if (!follow.checked && !bytes.length) return;
      }
    } catch (e) {
      if (e.name !== "AbortError") note.textContent = t("job.outputerror", { status: e.message });
    } finally {
      running = false;
    }
  }
  return { el: h("div", { class: "pane" }, h("h3", {}, t("job." + stream)), pre, note), pump };
}

export default {
  title: "job.title",
  async render(ctx) {
    const id = ctx.params.id;
    let j = await api("GET", "/jobs/" + encodeURIComponent(id), undefined, { signal: ctx.signal });
    // What it costs: the hold taken at submit, then what was charged.
    let money = await api("GET", "/jobs/" + encodeURIComponent(id) + "/usage", undefined, { signal: ctx.signal });
    const head = h("div", {});
    const facts = h("section", { class: "card", "aria-labelledby": "job-facts" });
    const timeline = h("section", { class: "card", "aria-labelledby": "job-timeline" });
    const actions = h("div", { class: "actions", role: "group", "aria-label": t("job.actions") });
    const msg = h("div", { "aria-live": "polite" });
    const follow = h("input", { type: "checkbox", id: "follow", checked: true });
    const out = outputPane(id, "stdout", ctx.signal, follow);
    const err = outputPane(id, "stderr", ctx.signal, follow);
    follow.addEventListener("change", () => { if (follow.checked) { out.pump(); err.pump(); } });

    // The center's scheduler's abilities decide which buttons make sense.
    let caps = [], capsOf = null;
    async function loadCaps() {
      if (!j.center_id || capsOf === j.center_id) return;
      try {
        caps = (await api("GET", "/centers/" + encodeURIComponent(j.center_id), undefined, { signal: ctx.signal })).caps || [];
        capsOf = j.center_id;
      } catch (e) {
        if (e.name === "AbortError") throw e;
        caps = [];
      }
    }
    function draw() {
      // Redrawn every refresh: keep the focus on the heading if it was there.
      const headFocused = head.contains(document.activeElement);
      clear(head, h("h1", { tabindex: "-1" }, t("job.heading", { name: j.name }), " ", stateBadge(j.state)),
        h("p", { class: "muted mono" }, j.id),
        j.cancel_requested && !FINAL.includes(j.state) ? h("p", { class: "alert info" }, t("job.cancelling")) : null,
        j.state_reason ? h("p", {}, j.state_reason) : null);
      if (headFocused) head.querySelector("h1").focus();
      const u = j.usage || {};
      clear(facts, h("h2", { id: "job-facts" }, t("job.details")), dl([
        [t("job.user"), j.user],
        [t("job.center"), j.center || t("jobs.unplaced")],
        [t("job.placement"), j.placement_reason],
        [t("job.resources"), t("job.res", { cores: j.cores, gpus: j.gpus,
          mem: j.memory_bytes ? fmtBytes(j.memory_bytes) : t("job.memdefault") })],
        [t("job.walltime"), fmtDuration(j.walltime_seconds)],
        [t("job.submitted"), fmtTime(j.submitted_at)],
        [t("job.started"), fmtTime(j.started_at)],
        [t("job.ended"), fmtTime(j.ended_at)],
        [t("job.exit"), j.exit_code === null || j.exit_code === undefined ? null
          : String(j.exit_code) + (j.signal ? " (" + t("job.signal", { n: j.signal }) + ")" : "")],
        [t("job.cpu"), u.cpu_seconds !== undefined && u.cpu_seconds !== null ? fmtNum(u.cpu_seconds, 2) + " s" : null],
        [t("job.wall"), u.wall_seconds !== undefined && u.wall_seconds !== null ? fmtDuration(u.wall_seconds) : null],
        [t("job.rss"), u.max_rss_bytes ? fmtBytes(u.max_rss_bytes) : null],
        [t("job.cost"), costText(money)],
      ]));
      clear(timeline, h("h2", { id: "job-timeline" }, t("job.timeline")),
        h("ol", { class: "timeline" }, (j.events || []).map(e => h("li", {},
          stateBadge(e.state), " ", h("time", { datetime: e.at }, fmtTime(e.at)),
          e.detail ? h("div", { class: "muted small" }, e.detail) : null))));
      const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
      clear(actions, j.cancel_requested ? [] : ACTIONS.filter(a => a[1](j, caps)).map(([name, , cls]) => {
        const b = h("button", { type: "button", class: cls, "data-action": name }, t("job.do." + name));
        b.addEventListener("click", () => act(name, b));
        return b;
      }));
      if (focused && actions.querySelector("[data-action=" + focused + "]"))
        actions.querySelector("[data-action=" + focused + "]").focus();
      else if (focused) head.querySelector("h1").focus();
    }
    async function act(name, b) {
      b.disabled = true;
      clear(msg);
      try {
        j = Object.assign(j, await api("POST", "/jobs/" + encodeURIComponent(id) + "/" + name, {}));
        toast(t("job.done." + name));
        await refresh();
      } catch (e) {
        clear(msg, errorBox(e));
        b.disabled = false;
      }
    }
    async function refresh() {
      j = await api("GET", "/jobs/" + encodeURIComponent(id), undefined, { signal: ctx.signal });
      money = await api("GET", "/jobs/" + encodeURIComponent(id) + "/usage", undefined, { signal: ctx.signal });
      await loadCaps();
      if (ctx.alive()) draw();
    }
    await loadCaps();
    draw();
    clear(ctx.main, head, actions, msg, h("div", { class: "grid2" }, facts, timeline),
      h("section", { class: "card", "aria-labelledby": "job-output" },
        h("h2", { id: "job-output" }, t("job.output")),
        h("p", {}, follow, " ", h("label", { for: "follow" }, t("job.follow"))),
        h("div", { class: "grid2" }, out.el, err.el)));
    out.pump();
    err.pump();
    ctx.every(2000, () => { if (!FINAL.includes(j.state) || j.cancel_requested) refresh().catch(() => {}); });
  },
};
