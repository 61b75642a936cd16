// SPDX-License-Identifier: Apache-2.0
// The hpcnet portal: a small single-page app over the public REST API only
// (/api/v1, the same calls the CLI makes). No build step, no third-party
// code. The token lives in sessionStorage for this tab.
const main = document.getElementById("main");
const FINAL = ["succeeded", "failed", "cancelled", "lost"];
let refresh = null;

function token() { return sessionStorage.getItem("hpcnet_token"); }

async function api(method, path, body) {
  const headers = { "Authorization": "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch("/api/v1" + path, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && path !== "/tokens") { signOut("Your session ended: sign in again."); throw new Error("signed out"); }
  if (r.status === 204) return { data: null, headers: r.headers };
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const e = new Error(data.detail || r.statusText);
    e.fields = data.errors || [];
    throw e;
  }
  return { data, headers: r.headers };
}

// Builds an element: h("td", {class: "x"}, "text", child...). Text is never parsed as HTML.
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v); else if (v !== null && v !== undefined) el.setAttribute(k, v);
  }
  for (const k of kids.flat()) el.append(k instanceof Node ? k : String(k ?? ""));
  return el;
}

function show(...nodes) { main.replaceChildren(...nodes); }
function when(t) { return t ? new Date(t).toLocaleString() : ""; }
function bytes(n) {
  if (n === null || n === undefined) return "";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"]; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}
function errorBox(e) {
  return h("p", { class: "error", role: "alert" }, e.message,
    ...(e.fields || []).map(f => h("div", {}, f.field + ": " + f.message)));
}

function signOut(msg) {
  sessionStorage.removeItem("hpcnet_token");
  sessionStorage.removeItem("hpcnet_token_id");
  document.getElementById("nav").hidden = true;
  viewSignIn(msg);
}

function viewSignIn(msg) {
  const err = h("div", {});
  const form = h("form", { onsubmit: async ev => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      const r = await fetch("/api/v1/tokens", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: f.get("username"), password: f.get("password"), name: "portal", expires_in: 43200 }) });
      const d = await r.json();
      if (!r.ok) throw new Error(d.detail);
      sessionStorage.setItem("hpcnet_token", d.token);
      sessionStorage.setItem("hpcnet_token_id", d.id);
      location.hash = "#/jobs";
      route();
    } catch (e) { err.replaceChildren(errorBox(e)); }
  } },
    h("h1", {}, "Sign in"), msg ? h("p", { class: "muted" }, msg) : "",
    h("label", { for: "u" }, "User name"), h("input", { id: "u", name: "username", autocomplete: "username", required: "" }),
    h("label", { for: "p" }, "Password"), h("input", { id: "p", name: "password", type: "password", autocomplete: "current-password", required: "" }),
    h("p", {}, h("button", { type: "submit" }, "Sign in")), err);
  show(h("section", {}, form));
}

async function viewJobs() {
  const body = h("tbody", {});
  const filter = h("select", { "aria-label": "State", onchange: () => load() },
    h("option", { value: "" }, "all states"), ...["queued", "dispatched", "pending", "running", ...FINAL].map(s => h("option", { value: s }, s)));
  const err = h("div", {});
  async function load() {
    try {
      const q = filter.value ? "&state=" + filter.value : "";
      const { data } = await api("GET", "/jobs?limit=100" + q);
      body.replaceChildren(...data.items.map(j => h("tr", {},
        h("td", {}, h("a", { href: "#/jobs/" + j.id }, j.id)), h("td", {}, j.name),
        h("td", { class: "state-" + j.state }, j.state), h("td", {}, j.center || ""),
        h("td", {}, j.cores), h("td", {}, when(j.submitted_at)),
        h("td", {}, j.exit_code ?? ""))));
      err.replaceChildren();
    } catch (e) { err.replaceChildren(errorBox(e)); }
  }
  show(h("section", {}, h("h1", {}, "Jobs"), h("p", {}, filter), err,
    h("table", {}, h("thead", {}, h("tr", {}, ...["ID", "Name", "State", "Center", "Cores", "Submitted", "Exit"].map(t => h("th", {}, t)))), body)));
  await load();
  refresh = setInterval(load, 3000);
}

async function viewJob(id) {
  const box = h("section", {}), out = h("pre", { "aria-label": "stdout" }), errp = h("pre", { "aria-label": "stderr" });
  show(box, h("section", {}, h("h2", {}, "stdout"), out, h("h2", {}, "stderr"), errp));
  async function load() {
    try {
      const { data: j } = await api("GET", "/jobs/" + id);
      const rows = [["State", h("span", { class: "state-" + j.state }, j.state + (j.state_reason ? " — " + j.state_reason : ""))],
        ["Name", j.name], ["Center", (j.center || "not placed yet") + (j.center_requested ? " (requested " + j.center_requested + ")" : "")],
        ["Placement", j.placement_reason], ["Resources", `${j.cores} cores, ${j.memory_bytes ? bytes(j.memory_bytes) : "default memory"}, ${j.gpus} GPUs, walltime ${j.walltime_seconds} s`],
        ["Submitted", when(j.submitted_at)], ["Started", when(j.started_at)], ["Ended", when(j.ended_at)],
        ["Exit code", j.exit_code ?? ""], ["CPU time", j.usage.cpu_seconds === null ? "" : j.usage.cpu_seconds.toFixed(2) + " s"],
        ["Max RSS", bytes(j.usage.max_rss_bytes)]];
      const cancel = FINAL.includes(j.state) || j.cancel_requested ? "" : h("button", { class: "secondary", onclick: async () => {
        try { await api("POST", "/jobs/" + id + "/cancel"); load(); } catch (e) { box.append(errorBox(e)); } } }, "Cancel job");
      box.replaceChildren(h("h1", {}, j.id), h("table", {}, ...rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { class: "wrap" }, v)))),
        h("p", {}, cancel), h("h2", {}, "Timeline"),
        h("table", {}, ...j.events.map(e => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, e.state), h("td", { class: "wrap" }, e.detail)))));
      out.textContent = (await api("GET", "/jobs/" + id + "/stdout")).data;
      errp.textContent = (await api("GET", "/jobs/" + id + "/stderr")).data;
      if (FINAL.includes(j.state)) { clearInterval(refresh); refresh = null; }
    } catch (e) { box.replaceChildren(errorBox(e)); clearInterval(refresh); }
  }
  await load();
  refresh = setInterval(load, 2000);
}

async function viewSubmit() {
  let centers = [];
  try { centers = (await api("GET", "/centers")).data.items; } catch (e) { /* the form still works */ }
  const err = h("div", {});
  const form = h("form", { onsubmit: async ev => {
    ev.preventDefault();
    const f = new FormData(form), job = { name: f.get("name") || "job", script: f.get("script"),
      cores: +f.get("cores"), gpus: +f.get("gpus"), walltime_seconds: Math.round(+f.get("minutes") * 60) };
    if (+f.get("mem_gib") > 0) job.memory_bytes = Math.round(+f.get("mem_gib") * 1073741824);
    if (f.get("center")) job.center = f.get("center");
    try {
      const { data } = await api("POST", "/jobs", job);
      location.hash = "#/jobs/" + data.id;
    } catch (e) { err.replaceChildren(errorBox(e)); }
  } },
    h("h1", {}, "Submit a job"),
    h("label", { for: "s" }, "Script"), h("textarea", { id: "s", name: "script", required: "" }, "#!/bin/sh\necho hello from $(hostname)\n"),
    h("div", { class: "row" },
      h("div", {}, h("label", { for: "n" }, "Name"), h("input", { id: "n", name: "name", value: "job" })),
      h("div", {}, h("label", { for: "c" }, "Cores"), h("input", { id: "c", name: "cores", type: "number", min: 1, value: 1 })),
      h("div", {}, h("label", { for: "m" }, "Memory (GiB, 0 = default)"), h("input", { id: "m", name: "mem_gib", type: "number", min: 0, step: "any", value: 0 })),
      h("div", {}, h("label", { for: "g" }, "GPUs"), h("input", { id: "g", name: "gpus", type: "number", min: 0, value: 0 })),
      h("div", {}, h("label", { for: "t" }, "Walltime (minutes)"), h("input", { id: "t", name: "minutes", type: "number", min: 1, value: 60 })),
      h("div", {}, h("label", { for: "ce" }, "Center"), h("select", { id: "ce", name: "center" }, h("option", { value: "" }, "any (let hpcnet choose)"),
        ...centers.map(c => h("option", { value: c.name }, `${c.name} (${c.status}, ${c.resources.free_cores}/${c.resources.total_cores} cores free)`))))),
    h("p", {}, h("button", { type: "submit" }, "Submit")), err);
  show(h("section", {}, form));
}

async function viewCenters() {
  const body = h("tbody", {}), err = h("div", {});
  async function load() {
    try {
      const { data } = await api("GET", "/centers");
      body.replaceChildren(...data.items.map(c => h("tr", {}, h("td", {}, c.name), h("td", {}, c.status),
        h("td", {}, `${c.resources.free_cores}/${c.resources.total_cores}`),
        h("td", {}, `${bytes(c.resources.free_memory_bytes)} / ${bytes(c.resources.total_memory_bytes)}`),
        h("td", {}, `${c.resources.free_gpus}/${c.resources.total_gpus}`), h("td", {}, c.resources.queue_length),
        h("td", {}, c.resources.running), h("td", {}, when(c.last_heartbeat_at)))));
    } catch (e) { err.replaceChildren(errorBox(e)); }
  }
  show(h("section", {}, h("h1", {}, "Centers"), err, h("table", {},
    h("thead", {}, h("tr", {}, ...["Name", "Status", "Cores free", "Memory free", "GPUs free", "Queue", "Running", "Last heartbeat"].map(t => h("th", {}, t)))), body)));
  await load();
  refresh = setInterval(load, 5000);
}

async function route() {
  clearInterval(refresh); refresh = null;
  if (!token()) return viewSignIn();
  const nav = document.getElementById("nav");
  nav.hidden = false;
  try {
    const { data: me } = await api("GET", "/users/me");
    document.getElementById("who").textContent = me.name + (me.role === "admin" ? " (admin)" : "");
  } catch (e) { return; }
  const path = location.hash.slice(1) || "/jobs";
  const m = path.match(/^\/jobs\/(job_[0-9A-Z]+)$/);
  if (m) return viewJob(m[1]);
  if (path === "/submit") return viewSubmit();
  if (path === "/centers") return viewCenters();
  return viewJobs();
}

document.getElementById("signout").addEventListener("click", async () => {
  const id = sessionStorage.getItem("hpcnet_token_id");
  try { if (id) await api("DELETE", "/tokens/" + id); } catch (e) { /* signing out locally still works */ }
  signOut("Signed out.");
});
window.addEventListener("hashchange", route);
route();
