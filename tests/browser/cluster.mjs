// SPDX-License-Identifier: Apache-2.0
// A real hub and real agents for the browser tests, the same way
// tests/integration/harness.py starts them: ephemeral loopback port, a
// temp data dir, the local adapter; the test talks to them only over HTTP.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";

export const ADMIN_PASSWORD = "admin-" + crypto.randomBytes(8).toString("hex");
const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function waitFor(pred, what, timeoutMs = 30000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(everyMs);
  }
}

export class Cluster {
  constructor(bin, hubArgs = []) {
    this.bin = bin;
    this.hubArgs = hubArgs;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "hpcnet-browser-"));
    this.procs = [];
    this.joinTokens = {};
  }

  spawnLogged(name, args, env) {
    const log = fs.openSync(path.join(this.dir, name + ".log"), "a");
    const p = spawn(this.bin, args, { stdio: ["ignore", log, log], env: Object.assign({}, process.env, env) });
    fs.closeSync(log);
    p.exited = new Promise(r => p.on("exit", (code, sig) => r({ code, sig })));
    this.procs.push({ name, p });
    return p;
  }

  async startHub() {
    const portFile = path.join(this.dir, "hub.port");
    this.hub = this.spawnLogged("hub", ["hub", "--listen", "127.0.0.1:0", "--db",
      "sqlite:" + path.join(this.dir, "hub.db"), "--port-file", portFile, "--center-ttl", "10",
      ...this.hubArgs], { HPCNET_ADMIN_PASSWORD: ADMIN_PASSWORD });
    await waitFor(() => fs.existsSync(portFile), "the hub's port file");
    this.url = "http://127.0.0.1:" + parseInt(fs.readFileSync(portFile, "utf8"), 10);
    await waitFor(async () => (await this.api("GET", "/health").catch(() => ({}))).status === "ok", "hub health");
    this.admin = await this.login("admin", ADMIN_PASSWORD);
  }

  async req(method, p, body, token, headers = {}) {
    const h = Object.assign({}, headers);
    if (token) h.Authorization = "Bearer " + token;
    if (body !== undefined) h["Content-Type"] = "application/json";
    return fetch(this.url + "/api/v1" + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // JSON of a 2xx answer; throws with the problem's detail otherwise.
  async api(method, p, body, token) {
    const r = await this.req(method, p, body, token);
    const text = await r.text();
    if (!r.ok) throw new Error(method + " " + p + " -> " + r.status + " " + text);
    return text ? JSON.parse(text) : null;
  }

  async login(name, password) {
    return (await this.api("POST", "/tokens", { username: name, password })).token;
  }

  async createUser(name, password, role = "user") {
    await this.api("POST", "/users", { name, password, role }, this.admin);
    return this.login(name, password);
  }

  async startAgent(name, cores = 4) {
    const c = await this.api("POST", "/centers", { name }, this.admin);
    this.spawnLogged("agent-" + name, ["agent", "--hub", this.url, "--join-token", c.join_token, "--name", name,
      "--adapter", "local", "--workdir", path.join(this.dir, "centers", name), "--cores", String(cores),
      "--mem", "8G", "--heartbeat", "1"]);
  }

  async waitOnline(names) {
    await waitFor(async () => {
      const r = await this.api("GET", "/centers", undefined, this.admin);
      return names.every(n => r.items.some(c => c.name === n && c.status === "online" && c.resources.total_cores > 0));
    }, "centers " + names + " online");
  }

  async waitJob(token, id, states, timeoutMs = 60000) {
    return waitFor(async () => {
      const j = await this.api("GET", "/jobs/" + id, undefined, token);
      return states.includes(j.state) ? j : null;
    }, "job " + id + " in " + states, timeoutMs, 200);
  }

  // Pokes the hub's database directly (fault injection: expire a session).
  sql(query) {
    return execFileSync("sqlite3", [path.join(this.dir, "hub.db"), query], { encoding: "utf8" });
  }

  // SIGTERM everything as an operator would; fails on an unclean exit or
  // a sanitizer report in any log (the ASan build runs this test too).
  async stop() {
    for (const { p } of this.procs.slice().reverse()) if (p.exitCode === null) p.kill("SIGTERM");
    const problems = [];
    for (const { name, p } of this.procs) {
      const t = setTimeout(() => { problems.push(name + " did not stop within 20 s"); p.kill("SIGKILL"); }, 20000);
      const { code, sig } = await p.exited;
      clearTimeout(t);
      if (code !== 0 && sig !== "SIGKILL") problems.push(name + " exited with " + (code ?? sig));
    }
    for (const f of fs.readdirSync(this.dir).filter(f => f.endsWith(".log"))) {
      const text = fs.readFileSync(path.join(this.dir, f), "utf8");
      for (const m of ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"])
        if (text.includes(m)) problems.push(f + ": " + m + "\n" + text.slice(-3000));
    }
    if (problems.length || process.env.HPCNET_KEEP_TMP) console.error("kept " + this.dir);
    else fs.rmSync(this.dir, { recursive: true, force: true });
    if (problems.length) throw new Error(problems.join("; "));
  }
}
