// SPDX-License-Identifier: Apache-2.0
// Submit a job: a script (or one command), resources, an optional
// center. While the user types, the scheduler's explain API says for each
// center whether it could run the job, whether it would start now and
// its estimated start and its estimated cost there, so nobody submits
// blind.
import { api, idemKey, listAll } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, fmtTime, fmtDuration, fmtMoney } from "../i18n.js";
import { go, errorBox } from "../router.js";
import { toast } from "../shell.js";

const GIB = 1024 * 1024 * 1024;
const SAMPLE = "#!/bin/sh\necho \"hello from hpcnet\"\nhostname\n";

function wide(el) { el.classList.add("wide"); return el; }

function num(input) { return input.value === "" ? null : Number(input.value); }

export default {
  title: "submit.title",
  async render(ctx) {
    const [centers, projects] = await Promise.all([listAll("/centers"), listAll("/projects")]);
    const name = h("input", { name: "name", maxlength: 128, value: "job" });
    const mode = h("fieldset", { class: "inline" }, h("legend", {}, t("submit.what")),
      ["script", "command"].map(m => h("label", {},
        h("input", { type: "radio", name: "mode", value: m, checked: m === "script" }), " ", t("submit.mode." + m))));
    const script = h("textarea", { name: "script", rows: 8, spellcheck: "false", class: "mono" });
    script.value = SAMPLE;
    const cores = h("input", { name: "cores", type: "number", min: 1, max: 100000, value: 1, inputmode: "numeric" });
    const mem = h("input", { name: "memory", type: "number", min: 0, step: "0.5", value: 0, inputmode: "decimal" });
    const gpus = h("input", { name: "gpus", type: "number", min: 0, max: 1024, value: 0, inputmode: "numeric" });
    const gpuModel = h("input", { name: "gpu_model", maxlength: 31, placeholder: "a100" });
    const wall = h("input", { name: "walltime", type: "number", min: 1, value: 60, inputmode: "numeric" });
    const center = h("select", { name: "center" }, h("option", { value: "" }, t("submit.anycenter")),
      centers.map(c => h("option", { value: c.name }, c.name)));
    // A project makes its organization pay (and its quotas apply).
    const project = h("select", { name: "project" }, h("option", { value: "" }, t("submit.personal")),
      projects.map(p => h("option", { value: p.org_name + "/" + p.name }, p.org_name + " / " + p.name)));
    const verdicts = h("section", { class: "card", "aria-labelledby": "verdicts-h", "aria-live": "polite" });
    const msg = h("div", {});
    const btn = h("button", { type: "submit", class: "primary" }, t("submit.submit"));
    const scriptLabel = h("span", {}, t("submit.script"));

    function body() {
      const isCmd = mode.querySelector("input:checked").value === "command";
      const b = { name: name.value || "job", cores: num(cores) || 1,
        walltime_seconds: Math.round((num(wall) || 60) * 60) };
      if (isCmd) b.command = script.value; else b.script = script.value;
      if (num(mem)) b.memory_bytes = Math.round(num(mem) * GIB);
      if (num(gpus)) b.gpus = num(gpus);
      if (gpuModel.value) b.gpu_model = gpuModel.value;
      if (center.value) b.center = center.value;
      if (project.value) b.project = project.value;
      return b;
    }

    let pending = null, seq = 0;
    async function explain() {
      const my = ++seq;
      try {
        const x = await api("POST", "/jobs/explain", body(), { signal: ctx.signal });
        if (my !== seq || !ctx.alive()) return;
        const now = Date.now();
        const rows = x.verdicts.map(v => h("tr", { class: v.center === x.choice ? "chosen" : "" },
          h("th", { scope: "row" }, v.center, v.center === x.choice ? h("span", { class: "badge ok" }, t("submit.choice")) : null),
          h("td", {}, h("span", { class: "badge " + (!v.eligible ? "bad" : v.fits_now ? "ok" : "warn") },
            t(!v.eligible ? "submit.v.no" : v.fits_now ? "submit.v.now" : "submit.v.wait"))),
          h("td", {}, !v.eligible ? "—" : v.fits_now ? t("submit.startnow")
            : v.estimated_wait_seconds !== null ? t("submit.startat", { when: fmtTime(new Date(now + v.estimated_wait_seconds * 1000).toISOString()),
              wait: fmtDuration(v.estimated_wait_seconds) }) : t("submit.unknown")),
          h("td", { class: "num" }, v.estimated_cost === null || v.estimated_cost === undefined ? "—"
            : v.estimated_cost === 0 ? t("submit.free") : fmtMoney(v.estimated_cost, x.currency)),
          h("td", { class: "muted" }, v.reason)));
        clear(verdicts, h("h2", { id: "verdicts-h" }, t("submit.verdicts")),
          h("p", { class: x.admissible ? "" : "alert error" }, x.admissible
            ? (x.choice ? t("submit.willrun", { center: x.choice }) : t("submit.willwait")) : t("submit.refused", { why: x.detail })),
          rows.length ? h("div", { class: "scroll" }, table(t("submit.verdicts"),
            [t("submit.center"), t("submit.verdict"), t("submit.start"), t("submit.cost"), t("submit.reason")], rows, { class: "verdicts" }))
            : h("p", { class: "muted" }, t("submit.nocenters")));
      } catch (e) {
        if (my === seq && ctx.alive() && e.name !== "AbortError")
          clear(verdicts, h("h2", { id: "verdicts-h" }, t("submit.verdicts")), errorBox(e));
      }
    }
    function later() { clearTimeout(pending); pending = setTimeout(explain, 400); }

    const form = h("form", { class: "card", novalidate: true },
      field(t("submit.name"), name), mode,
      h("div", { class: "field" }, h("label", { for: "script" }, scriptLabel), script),
      h("div", { class: "grid4" }, field(t("submit.cores"), cores), field(t("submit.mem"), mem, t("submit.mem.hint")),
        field(t("submit.gpus"), gpus), field(t("submit.gpumodel"), gpuModel, t("submit.gpumodel.hint"))),
      h("div", { class: "grid4" }, field(t("submit.wall"), wall), wide(field(t("submit.center"), center)),
        projects.length ? field(t("submit.project"), project, t("submit.project.hint")) : null),
      msg, h("p", {}, btn));
    script.id = "script";
    mode.addEventListener("change", () => {
      const isCmd = mode.querySelector("input:checked").value === "command";
      scriptLabel.textContent = t(isCmd ? "submit.command" : "submit.script");
      if (isCmd && script.value === SAMPLE) script.value = "echo hello; hostname";
      if (!isCmd && script.value === "echo hello; hostname") script.value = SAMPLE;
      later();
    });
    form.addEventListener("input", later);
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      btn.disabled = true;
      clear(msg);
      try {
        const j = await api("POST", "/jobs", body(), { headers: { "Idempotency-Key": idemKey() } });
        toast(t("submit.done", { id: j.id }));
        go("#/jobs/" + encodeURIComponent(j.id));
      } catch (e) {
        if (e.name === "AbortError") return;
        clear(msg, errorBox(e));
        msg.querySelector("[role=alert]").focus?.();
      } finally {
        btn.disabled = false;
      }
    });
    clear(ctx.main, h("h1", {}, t("submit.title")), h("div", { class: "grid-submit" }, form, verdicts));
    clearTimeout(pending);
    await explain();
  },
};
