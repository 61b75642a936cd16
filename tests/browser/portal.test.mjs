// SPDX-License-Identifier: Apache-2.0
// The portal end to end: a real hub with two real agents, Debian's
// Chromium driven by playwright-core, each flow walked as each role would,
// in both languages. Every page is checked with axe-core (no serious or
// critical violation) and any console error or uncaught exception fails
// the test. Screenshots of every page land in HPCNET_BROWSER_OUT.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Cluster, waitFor, ADMIN_PASSWORD } from "./cluster.mjs";
import { Issuer } from "./issuer.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.HPCNET_BIN || path.join(here, "../../build/hpcnet");
const OUT = process.env.HPCNET_BROWSER_OUT || path.join(here, "../../build/browser-output");
const DOCS = path.join(here, "../../docs/screenshots");
const AXE = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");
// The portal's own string tables. web/ has no package.json saying its .js
// files are ES modules (the browser needs none), so they are imported as
// data: URLs, which are modules on every Node version Debian ships.
async function strings(file) {
  const src = fs.readFileSync(path.join(here, "../../web/js/i18n", file), "utf8");
  return (await import("data:text/javascript;charset=utf-8," + encodeURIComponent(src))).default;
}
const en = await strings("en.js");
const zh = await strings("zh-CN.js");
const T = { en, "zh-CN": zh };

let c, alice, bob, idp;
const browsers = [];

// A free loopback port for the hub: the provider must know its callback
// URL (--oidc-redirect-uri) before the hub starts.
async function freePort() {
  const srv = net.createServer();
  await new Promise(r => srv.listen(0, "127.0.0.1", r));
  const port = srv.address().port;
  await new Promise(r => srv.close(r));
  return port;
}

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  idp = await new Issuer({ sub: "rita-at-uni", preferred_username: "rita", email: "rita@uni.example" }).start();
  const port = await freePort();
  c = new Cluster(BIN, ["--signup", "open", "--listen", "127.0.0.1:" + port,
    "--oidc-issuer", idp.url, "--oidc-audience", "hpcnet-portal", "--oidc-create-users",
    "--oidc-redirect-uri", "http://127.0.0.1:" + port + "/api/v1/oidc/callback",
    "--oidc-provider-name", "Test University"]);
  await c.startHub();
  await c.startAgent("alpha", 4);
  await c.startAgent("beta", 2);
  alice = await c.createUser("alice", "alice-password");
  bob = await c.createUser("bob", "bob-password");
  await c.waitOnline(["alpha", "beta"]);
  // alpha charges by the core-hour (1.00 a core-second, so a short job
  // shows in the cost chart); beta is free. alice has money for holds.
  const pl = await c.api("POST", "/centers/alpha/prices", { items: [{ resource: "core_hour", price: 360000 }] }, c.admin);
  await c.api("POST", "/prices/" + pl.id + "/approve", {}, c.admin);
  await c.api("POST", "/accounts/user:alice/topup", { amount: 1e9, memo: "grant" }, c.admin);
  // pku's first admin (the platform admin creates pku in the portal) and
  // alpha's operator.
  await c.createUser("olga", "olga-password");
  await c.createUser("oscar", "oscar-password");
  await c.createUser("dora", "dora-password");
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  if (c) await c.stop();
  if (idp) await idp.stop();
});

// A browser of its own (own profile dir, own cookies) for one person.
async function browser(locale) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hpcnet-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium", headless: true, locale,
    viewport: { width: 1280, height: 860 },
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
      "--disable-dev-shm-usage"],
  });
  const b = { ctx, dir, errors: [], expected: [] };
  // Closes the browser and removes its profile directory (once).
  b.close = async () => {
    if (b.closed) return;
    b.closed = true;
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on("console", m => {
    if (m.type() !== "error") return;
    const text = m.text();
    // A status the step itself expects (wrong password: 401, another
    // user's job: 404) is logged by Chromium as a failed resource; only
    // those pass, and only while that step runs.
    if (b.expected.some(re => re.test(text))) return;
    b.errors.push(text);
  });
  page.on("pageerror", e => b.errors.push("uncaught: " + e.message));
  b.page = page;
  browsers.push(b);
  return b;
}

async function expecting(b, statuses, fn) {
  const res = statuses.map(s => new RegExp("status of " + s + "\\b"));
  b.expected.push(...res);
  try { return await fn(); } finally {
    await b.page.waitForTimeout(200);
    b.expected = b.expected.filter(x => !res.includes(x));
  }
}

function noErrors(b) {
  assert.deepEqual(b.errors, [], "console errors");
}

async function axe(page, name) {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }));
  });
  const bad = r.filter(v => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], "axe-core violations on " + name + ": " + JSON.stringify(bad, null, 1));
}

// full: the whole page, from its top (pages longer than the window).
async function shot(page, name, toDocs, full) {
  const file = path.join(OUT, name + ".png");
  if (full) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: !!full });
  if (toDocs && process.env.HPCNET_SCREENSHOTS_TO_DOCS) {
    fs.mkdirSync(DOCS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS, name + ".png"));
  }
}

// Waits until the page's h1 reads `text` (pages render after their API calls).
async function heading(page, text) {
  await page.locator("h1").filter({ hasText: text }).first().waitFor({ timeout: 15000 });
}

async function signIn(b, user, pw, lang) {
  const p = b.page;
  await p.goto(c.url + "/#/signin");
  await heading(p, T[lang]["signin.title"]);
  await p.getByLabel(T[lang]["signin.user"]).fill(user);
  await p.getByLabel(T[lang]["signin.password"], { exact: true }).fill(pw);
  await p.getByRole("button", { name: T[lang]["signin.submit"] }).click();
  await heading(p, T[lang]["dash.title"]);
}

async function submitScript(p, lang, script, opts = {}) {
  await p.goto(c.url + "/#/submit");
  await heading(p, T[lang]["submit.title"]);
  if (opts.command) await p.getByLabel(T[lang]["submit.mode.command"]).check();
  await p.locator("#script").fill(script);
  if (opts.name) await p.getByLabel(T[lang]["submit.name"]).fill(opts.name);
  // The explain verdicts list both centers before anything is submitted.
  await p.locator("table.verdicts tbody tr").nth(1).waitFor();
  await p.getByRole("button", { name: T[lang]["submit.submit"], exact: true }).click();
  await p.waitForURL(/#\/jobs\/job_/);
  return decodeURIComponent(p.url().split("#/jobs/")[1]);
}

async function stateIs(p, lang, state, timeout = 60000) {
  await p.locator("h1 .badge").filter({ hasText: T[lang]["state." + state] }).waitFor({ timeout });
}

test("i18n: both languages have exactly the same keys", () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(zh)) assert.ok(v && typeof v === "string", "zh-CN " + k);
});

test("static files: CSP, caching and content types", async () => {
  const r = await fetch(c.url + "/");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^text\/html/);
  assert.match(r.headers.get("content-security-policy"), /script-src 'self'/);
  assert.doesNotMatch(r.headers.get("content-security-policy"), /unsafe-inline|unsafe-eval/);
  const js = await fetch(c.url + "/js/main.js");
  assert.match(js.headers.get("content-type"), /^text\/javascript/);
  const etag = js.headers.get("etag");
  assert.ok(etag);
  assert.equal(js.headers.get("cache-control"), "no-cache");
  const again = await fetch(c.url + "/js/main.js", { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(c.url + "/nope.js")).status, 404);
  const head = await fetch(c.url + "/style.css", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.match(head.headers.get("content-type"), /^text\/css/);
});

test("a student (zh-CN browser): sign in, submit, watch, read output, cancel, list, centers", async () => {
  const b = await browser("zh-CN");
  const p = b.page;
  const L = "zh-CN";

  // Chinese first for a browser that asks for it; sign-in is where we land.
  await p.goto(c.url + "/");
  await heading(p, zh["signin.title"]);
  assert.equal(await p.evaluate(() => document.documentElement.lang), "zh-CN");
  await axe(p, "signin");
  await shot(p, "signin-zh", true);

  // Wrong password: a clear message, no console noise beyond the 401.
  await expecting(b, [401], async () => {
    await p.getByLabel(zh["signin.user"]).fill("alice");
    await p.getByLabel(zh["signin.password"], { exact: true }).fill("not-her-password");
    await p.getByRole("button", { name: zh["signin.submit"] }).click();
    await p.getByRole("alert").filter({ hasText: zh["signin.wrong"] }).waitFor();
  });
  await p.getByLabel(zh["signin.password"], { exact: true }).fill("alice-password");
  await p.getByRole("button", { name: zh["signin.submit"] }).click();
  await heading(p, zh["dash.title"]);
  // The session is an HttpOnly cookie: no script can read it.
  assert.equal(await p.evaluate(() => document.cookie), "");
  const cookie = (await b.ctx.cookies()).find(x => x.name === "hpcnet_session");
  assert.ok(cookie && cookie.httpOnly && cookie.sameSite === "Lax", JSON.stringify(cookie));

  // Submit a script: verdicts first, then the job page follows it to the end.
  const ok = await submitScript(p, L, "#!/bin/sh\necho hello-from-portal\necho oops-on-stderr >&2\n", { name: "hello" });
  await stateIs(p, L, "succeeded");
  await p.locator("pre.output").first().filter({ hasText: "hello-from-portal" }).waitFor();
  await p.locator("pre.output").nth(1).filter({ hasText: "oops-on-stderr" }).waitFor();
  // Its cost: charged at alpha's prices once it ended.
  await p.locator("dl.facts dd", { hasText: zh["job.charged"].replace(" {amount}", "").replace("{amount}", "") }).waitFor();
  const steps = await p.locator("ol.timeline li").count();
  assert.ok(steps >= 4, "timeline has " + steps + " entries");
  await axe(p, "job");
  await shot(p, "job-zh", true);

  // Another job, cancelled from its page while it runs.
  const long = await submitScript(p, L, "sleep 120", { command: true, name: "long" });
  await stateIs(p, L, "running");
  await p.getByRole("button", { name: zh["job.do.cancel"] }).click();
  await stateIs(p, L, "cancelled");
  assert.equal((await c.api("GET", "/jobs/" + long, undefined, alice)).state, "cancelled");

  // A job waiting for room is held and released from its page; the local
  // adapter cannot hold a job it already has, so that button is not shown
  // for the running one.
  const big = await c.api("POST", "/jobs", { command: "sleep 120", name: "big", center: "beta", cores: 2 }, alice);
  await c.waitJob(alice, big.id, ["running"]);
  const waiting = await c.api("POST", "/jobs", { command: "true", name: "waiting", center: "beta", cores: 2 }, alice);
  await p.goto(c.url + "/#/jobs/" + big.id);
  await stateIs(p, L, "running");
  assert.equal(await p.getByRole("button", { name: zh["job.do.hold"] }).count(), 0);
  await p.goto(c.url + "/#/jobs/" + waiting.id);
  await stateIs(p, L, "queued");
  await p.getByRole("button", { name: zh["job.do.hold"] }).click();
  await stateIs(p, L, "held");
  await p.getByRole("button", { name: zh["job.do.release"] }).click();
  await stateIs(p, L, "queued");
  await p.getByRole("button", { name: zh["job.do.cancel"] }).click();
  await stateIs(p, L, "cancelled");
  await c.api("POST", "/jobs/" + big.id + "/cancel", {}, alice);

  // The submit page with its verdicts and each center's estimated cost.
  await p.goto(c.url + "/#/submit");
  await p.locator("table.verdicts tbody tr").nth(1).waitFor();
  await p.locator("table.verdicts tbody tr", { hasText: "beta" }).locator("td", { hasText: zh["submit.free"] }).waitFor();
  const alphaCost = await p.locator("table.verdicts tbody tr", { hasText: "alpha" }).locator("td.num").textContent();
  // 1 core x 60 min at 3,600.00 an hour, plus the hub's grace for a job's last minute.
  assert.match(alphaCost, /3[,.]?6[0-9]0/, "alpha's estimated cost for 1 core x 60 min: " + alphaCost);
  await axe(p, "submit");
  await shot(p, "submit-zh", true);

  // Jobs: filter by state (kept in the address), then live refresh.
  await p.goto(c.url + "/#/jobs");
  await heading(p, zh["jobs.title"]);
  await p.locator("table.jobs a", { hasText: "hello" }).waitFor();
  await p.locator("table.jobs a", { hasText: "long" }).waitFor();
  await p.getByLabel(zh["jobs.state"]).selectOption("succeeded");
  await p.waitForURL(/state=succeeded/);
  await waitFor(async () => (await p.locator("table.jobs tbody tr").count()) === 1 &&
    (await p.locator("table.jobs a", { hasText: "hello" }).count()) === 1, "filtered list");
  await p.getByLabel(zh["jobs.state"]).selectOption("");
  await p.locator("table.jobs a", { hasText: "long" }).waitFor();
  await p.evaluate(() => { window.hpcnetNoReload = true; });
  const made = await c.api("POST", "/jobs", { command: "true", name: "from-cli" }, alice);
  await p.locator("table.jobs a", { hasText: "from-cli" }).waitFor({ timeout: 15000 });
  assert.equal(await p.evaluate(() => window.hpcnetNoReload), true, "the list refreshed without a reload");
  await c.waitJob(alice, made.id, ["succeeded"]);
  await axe(p, "jobs");
  await shot(p, "jobs-zh", true);

  // Centers.
  await p.goto(c.url + "/#/centers");
  await heading(p, zh["centers.title"]);
  await p.locator("article.center").nth(1).waitFor();
  await p.locator("article.center", { hasText: "alpha" }).getByText(zh["centers.prices"].replace("{list}", "")).waitFor();
  await p.locator("article.center", { hasText: "beta" }).getByText(zh["centers.noprices"]).waitFor();
  await axe(p, "centers");
  await shot(p, "centers-zh", true);
  await p.goto(c.url + "/#/");
  await heading(p, zh["dash.title"]);
  await p.locator("#dash-running").waitFor();
  await axe(p, "dashboard");
  await shot(p, "dashboard-zh", true);

  // Usage and billing: the cost chart grows when another job has run,
  // without a reload; invoices download as CSV.
  await p.goto(c.url + "/#/usage?metric=cost");
  await heading(p, zh["usage.title"]);
  assert.equal(await p.getByLabel(zh["usage.metric"]).inputValue(), "cost");
  const costOf = async () => {
    const cell = p.locator("figure", { hasText: zh["usage.bycenter"] }).locator("tbody tr", { hasText: "alpha" }).locator("td").first();
    return Number((await cell.textContent()).replace(/[^0-9.]/g, ""));
  };
  await waitFor(async () => (await p.locator("svg.chart").count()) === 2, "two charts");
  const before = await costOf();
  assert.ok(before > 0, "alpha's cost so far: " + before);
  const more = await c.api("POST", "/jobs", { command: "sleep 3", name: "billed", center: "alpha", walltime_seconds: 60 }, alice);
  await c.waitJob(alice, more.id, ["succeeded"]);
  await waitFor(async () => (await costOf()) > before, "the chart to show the new job's cost", 30000, 500);
  const csv = await p.locator("a[download]").first().getAttribute("href");
  const got = await p.evaluate(async href => (await fetch(href)).text(), csv);
  assert.match(got, /^period,payer,job_id/);
  assert.match(got, /billed/);
  // In resource hours, a few seconds of jobs are small numbers: the axis
  // ticks still read differently (they all read "0" once).
  await p.getByLabel(zh["usage.metric"]).selectOption("hours");
  const ticks = p.locator("figure", { hasText: zh["usage.bycenter"] }).locator("svg text.tick[text-anchor=end]");
  await waitFor(async () => {
    const l = await ticks.allTextContents();
    return l.length >= 3 && new Set(l).size === l.length && l[0].startsWith("0") && !/^0$/.test(l[1]);
  }, "distinct tick labels in hours");
  await p.getByLabel(zh["usage.metric"]).selectOption("cost");
  await axe(p, "usage");
  await shot(p, "usage-zh", true);

  // Switch to English: every page follows, and the choice is kept.
  await p.goto(c.url + "/#/");
  await heading(p, zh["dash.title"]);
  await p.getByLabel(zh["shell.language"]).selectOption("en");
  await heading(p, en["dash.title"]);
  await p.reload();
  await heading(p, en["dash.title"]);
  assert.equal(await p.evaluate(() => document.documentElement.lang), "en");
  await p.locator("#dash-running").waitFor();
  await shot(p, "dashboard-en", true);
  for (const [hash, key, name] of [["#/jobs", "jobs.title", "jobs"], ["#/centers", "centers.title", "centers"],
    ["#/usage", "usage.title", "usage"],
    ["#/jobs/" + ok, null, "job"]]) {
    await p.goto(c.url + "/" + hash);
    if (key) await heading(p, en[key]);
    else await stateIs(p, "en", "succeeded");
    await p.waitForTimeout(300);
    await axe(p, name + " (en)");
    await shot(p, name + "-en", true);
  }
  await p.goto(c.url + "/#/submit");
  await p.locator("table.verdicts tbody tr").nth(1).waitFor();
  await shot(p, "submit-en", true);

  // Keyboard: a new page puts the focus on its heading; from there the
  // header (navigation, language, sign-out) and the skip link are a few
  // Shift+Tabs back, and the skip link leads to the content again.
  await p.goto(c.url + "/#/centers");
  await heading(p, en["centers.title"]);
  await waitFor(async () => (await p.evaluate(() => document.activeElement.tagName)) === "H1", "focus on the heading");
  const seen = [];
  for (let i = 0; i < 20 && seen[seen.length - 1] !== en["shell.skip"]; i++) {
    await p.keyboard.press("Shift+Tab");
    seen.push(await p.evaluate(() => document.activeElement.textContent || document.activeElement.id));
  }
  assert.ok(seen.includes(en["nav.jobs"]) && seen.includes(en["shell.signout"]), seen.join(" | "));
  assert.equal(seen[seen.length - 1], en["shell.skip"], seen.join(" | "));
  await p.keyboard.press("Enter");
  assert.equal(await p.evaluate(() => document.activeElement.id), "main");

  // Phone width: one column, the menu behind a button.
  await p.setViewportSize({ width: 390, height: 844 });
  await p.goto(c.url + "/#/");
  await heading(p, en["dash.title"]);
  const menu = p.getByRole("button", { name: en["nav.menu"] });
  assert.ok(await menu.isVisible());
  assert.ok(!(await p.getByRole("link", { name: en["nav.jobs"], exact: true }).isVisible()));
  await menu.click();
  await p.getByRole("link", { name: en["nav.jobs"], exact: true }).click();
  await heading(p, en["jobs.title"]);
  await axe(p, "jobs (phone)");
  await shot(p, "jobs-phone-en", true);
  await p.setViewportSize({ width: 1280, height: 860 });

  // An expired session gets its own page, and signing in returns here.
  await p.goto(c.url + "/#/centers");
  await heading(p, en["centers.title"]);
  c.sql("UPDATE sessions SET expires_at = 1");
  await expecting(b, [401], async () => {
    await p.goto(c.url + "/#/jobs");
    await p.getByText(en["signin.expired"]).waitFor();
  });
  await p.getByLabel(en["signin.user"]).fill("alice");
  await p.getByLabel(en["signin.password"], { exact: true }).fill("alice-password");
  await p.getByRole("button", { name: en["signin.submit"] }).click();
  await heading(p, en["jobs.title"]);

  // Sign out: the cookie is gone and pages need a sign-in again.
  await p.getByRole("button", { name: en["shell.signout"] }).click();
  await p.getByText(en["signin.signedout"]).waitFor();
  await shot(p, "signin-en", true);
  await p.goto(c.url + "/#/jobs");
  await heading(p, en["signin.title"]);
  noErrors(b);
  await b.close();
});

test("a new student creates an account and lands on the dashboard", async () => {
  const b = await browser("zh-CN");
  const p = b.page;
  await p.goto(c.url + "/#/signin");
  await p.getByRole("link", { name: zh["signin.signup"] }).click();
  await heading(p, zh["signup.title"]);
  await p.getByLabel(zh["signin.user"]).fill("erin");
  await p.getByLabel(zh["signin.password"], { exact: true }).fill("erin-password");
  // A repeat that differs is caught before anything is sent.
  await p.getByLabel(zh["account.again"]).fill("erin-passwort");
  await p.getByRole("button", { name: zh["signup.submit"] }).click();
  await p.getByRole("alert").filter({ hasText: zh["account.mismatch"] }).waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.name), "again");
  await p.getByLabel(zh["account.again"]).fill("erin-password");
  await p.getByRole("button", { name: zh["signup.submit"] }).click();
  await heading(p, zh["dash.title"]);
  await axe(p, "dashboard of a new user");
  // The name is now taken: the form says so.
  await p.getByRole("button", { name: zh["shell.signout"] }).click();
  await p.getByText(zh["signin.signedout"]).waitFor();
  await p.goto(c.url + "/#/signup");
  await heading(p, zh["signup.title"]);
  await expecting(b, [409], async () => {
    await p.getByLabel(zh["signin.user"]).fill("erin");
    await p.getByLabel(zh["signin.password"], { exact: true }).fill("erin-password");
    await p.getByLabel(zh["account.again"]).fill("erin-password");
    await p.getByRole("button", { name: zh["signup.submit"] }).click();
    await p.getByRole("alert").filter({ hasText: "is taken" }).waitFor();
  });
  await axe(p, "signup");
  await shot(p, "signup-zh");
  noErrors(b);
  await b.close();
});

test("a researcher signs in with the institution's account (OpenID Connect), back where she was", async () => {
  const b = await browser("en");
  const p = b.page;
  // The provider says no: the sign-in page says what happened and what to do.
  idp.deny = "access_denied";
  await p.goto(c.url + "/#/jobs");
  await heading(p, en["signin.title"]);
  const button = p.getByRole("link", { name: "Sign in with Test University" });
  await expecting(b, [401], async () => {
    await button.click();
    await p.getByRole("alert").filter({ hasText: en["signin.oidc.error.provider"] }).waitFor();
  });
  await p.getByText("The identity provider said: access_denied").waitFor();
  await axe(p, "signin after a refused OpenID Connect sign-in");
  await shot(p, "signin-oidc-refused-en");
  // Now the provider signs her in: a new account, a session, back on the jobs page.
  idp.deny = null;
  await p.goto(c.url + "/#/jobs");
  await heading(p, en["signin.title"]);
  await button.click();
  await heading(p, en["jobs.title"]);
  const cookie = (await b.ctx.cookies()).find(x => x.name === "hpcnet_session");
  assert.ok(cookie && cookie.httpOnly && cookie.sameSite === "Lax", JSON.stringify(cookie));
  const me = await p.evaluate(async () => (await fetch("/api/v1/users/me")).json());
  assert.equal(me.name, "rita");
  // The login cookie is spent; a reload keeps the session.
  assert.equal((await b.ctx.cookies()).filter(x => x.name === "hpcnet_oidc").length, 0);
  await p.reload();
  await heading(p, en["jobs.title"]);
  noErrors(b);
  await b.close();
});

test("another user cannot open alice's job, not even by its URL; no admin pages", async () => {
  const mine = await c.api("POST", "/jobs", { command: "echo secret-of-alice", name: "private" }, alice);
  await c.waitJob(alice, mine.id, ["succeeded"]);
  const b = await browser("en-US");
  const p = b.page;
  await signIn(b, "bob", "bob-password", "en");
  await expecting(b, [404], async () => {
    await p.goto(c.url + "/#/jobs/" + mine.id);
    await heading(p, en["error.notfound"]);
  });
  assert.equal(await p.getByText("secret-of-alice").count(), 0);
  await axe(p, "not found");
  await shot(p, "notfound-en");
  // Not in his list either.
  await p.goto(c.url + "/#/jobs");
  await heading(p, en["jobs.title"]);
  await p.getByText(en["jobs.none"]).waitFor();
  // Admin pages say "not allowed", and the API agrees.
  await p.goto(c.url + "/#/admin/users");
  await heading(p, en["error.forbidden"]);
  await axe(p, "forbidden");
  await shot(p, "forbidden-en");
  assert.equal(await p.getByRole("link", { name: en["nav.admin.users"] }).count(), 0);

  // His account: his CLI token is listed; a new password ends it (and
  // every other sign-in) but keeps this session.
  await p.getByRole("link", { name: en["shell.signedin"].replace("{name}", "bob") }).click();
  await heading(p, en["account.title"]);
  await p.getByRole("button", { name: en["account.token.revoke"].replace("{name}", "cli") }).waitFor();
  await expecting(b, [401, 403], async () => {
    await p.getByLabel(en["account.old"]).fill("not-his-password");
    await p.getByLabel(en["account.new"], { exact: true }).fill("bob-new-password");
    await p.getByLabel(en["account.again"]).fill("bob-new-password");
    await p.getByRole("button", { name: en["account.change"] }).click();
    await p.getByRole("alert").waitFor();
  });
  await p.getByLabel(en["account.old"]).fill("bob-password");
  await p.getByLabel(en["account.new"], { exact: true }).fill("bob-new-password");
  await p.getByLabel(en["account.again"]).fill("bob-new-password");
  await p.getByRole("button", { name: en["account.change"] }).click();
  await p.getByText(en["account.tokens.none"]).waitFor();
  assert.equal((await c.req("GET", "/users/me", undefined, bob)).status, 401, "the old token ended");
  await axe(p, "account");
  await shot(p, "account-en");
  await p.goto(c.url + "/#/jobs");
  await heading(p, en["jobs.title"]);
  noErrors(b);
  await b.close();
});

test("platform admin: users, centers and join tokens, orgs, price approval, quotas, audit", async () => {
  const b = await browser("zh-CN");
  const p = b.page;
  await signIn(b, "admin", ADMIN_PASSWORD, "zh-CN");
  await p.getByRole("link", { name: zh["nav.admin"] }).click();
  await heading(p, zh["admin.title"]);
  await axe(p, "admin");
  await p.getByRole("link", { name: zh["admin.users.title"] }).click();
  await heading(p, zh["admin.users.title"]);
  await p.getByLabel(zh["admin.users.name"]).fill("carol");
  await p.getByLabel(zh["admin.users.password"]).fill("carol-password");
  await p.getByRole("button", { name: zh["admin.users.create"] }).click();
  await p.getByRole("cell", { name: "carol", exact: true }).waitFor();
  await c.login("carol", "carol-password");

  // Disabling says first what happens to the user's jobs (this hub
  // cancels them), then does it; enabling lets them sign in again.
  const vic = await c.createUser("vic", "vic-password");
  const vjob = await c.api("POST", "/jobs", { command: "sleep 120", name: "vics", center: "beta" }, vic);
  await c.waitJob(vic, vjob.id, ["running"]);
  await p.reload(); // the same page, now listing vic
  await heading(p, zh["admin.users.title"]);
  await p.getByRole("button", { name: zh["users.disable"].replace("{name}", "vic") }).click();
  await p.getByText(zh["users.policy.cancel"]).waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.textContent), zh["users.disable.yes"].replace("{name}", "vic"),
    "the confirmation has the focus");
  await axe(p, "admin users: confirm disable");
  await p.keyboard.press("Enter");
  await p.getByRole("button", { name: zh["users.enable"].replace("{name}", "vic") }).waitFor();
  await p.getByText(zh["users.disabled.done"].replace("{name}", "vic").replace("{n}", "1")).waitFor();
  await c.waitJob(c.admin, vjob.id, ["cancelled"]); // the center confirms the cancel
  assert.equal((await c.req("GET", "/users/me", undefined, vic)).status, 401, "vic's token stopped working");
  await p.getByRole("button", { name: zh["users.enable"].replace("{name}", "vic") }).click();
  await p.getByRole("button", { name: zh["users.disable"].replace("{name}", "vic") }).waitFor();
  await c.login("vic", "vic-password");

  // Roles: oscar operates alpha (the operator test signs him in), carol is
  // a merchant for a moment.
  const rolesCard = p.locator("section", { has: p.locator("#roles-h") });
  await rolesCard.getByLabel(zh["roles.user"]).fill("oscar");
  await rolesCard.getByLabel(zh["roles.role"]).selectOption("center_operator");
  await rolesCard.getByLabel(zh["roles.center"]).selectOption("alpha");
  await rolesCard.getByRole("button", { name: zh["roles.grant"] }).click();
  await rolesCard.getByRole("rowheader", { name: "oscar" }).waitFor();
  await rolesCard.getByLabel(zh["roles.user"]).fill("carol");
  await rolesCard.getByLabel(zh["roles.role"]).selectOption("merchant");
  assert.ok(!(await rolesCard.getByLabel(zh["roles.center"]).isVisible()), "no center for a merchant");
  await rolesCard.getByRole("button", { name: zh["roles.grant"] }).click();
  const revokeCarol = p.getByRole("button", { name: zh["roles.revoke"].replace("{name}", "carol").replace("{role}", zh["role.merchant"]) });
  await revokeCarol.waitFor();
  let grants = (await c.api("GET", "/roles", undefined, c.admin)).items.map(g => g.user_name + ":" + g.role + ":" + (g.scope_name || ""));
  assert.ok(grants.includes("oscar:center_operator:alpha") && grants.includes("carol:merchant:"), grants.join(" "));
  await axe(p, "admin users");
  await shot(p, "admin-users-zh", true, true);
  await revokeCarol.click();
  await p.getByText(zh["roles.revoked"].replace("{name}", "carol")).waitFor();
  grants = (await c.api("GET", "/roles", undefined, c.admin)).items.map(g => g.user_name + ":" + g.role);
  assert.ok(!grants.includes("carol:merchant"), grants.join(" "));

  await p.goto(c.url + "/#/admin/centers");
  await heading(p, zh["admin.centers.title"]);
  await p.getByLabel(zh["admin.centers.name"]).fill("gamma");
  await p.getByRole("button", { name: zh["admin.centers.create"], exact: true }).click();
  const cmd = await p.locator("pre").filter({ hasText: "--join-token hpcj_" }).textContent();
  const token = cmd.match(/--join-token (\S+)/)[1];
  // The token shown is real: an agent can join with it.
  const j = await c.api("POST", "/centers/join", { join_token: token, adapter: "none" });
  assert.equal(j.center_name, "gamma");
  await p.getByRole("button", { name: zh["admin.centers.drain"].replace("{name}", "alpha") }).click();
  await p.getByRole("button", { name: zh["admin.centers.undrain"].replace("{name}", "alpha") }).click();
  await p.getByRole("button", { name: zh["admin.centers.drain"].replace("{name}", "alpha") }).waitFor();
  await axe(p, "admin centers");
  await shot(p, "admin-centers-zh", true);

  // Organizations: create one with its first admin.
  await p.goto(c.url + "/#/admin/orgs");
  await heading(p, zh["admin.orgs.title"]);
  await p.getByLabel(zh["admin.orgs.name"]).fill("pku");
  await p.getByLabel(zh["admin.orgs.display"]).fill("北京大学");
  await p.getByLabel(zh["admin.orgs.admin"]).fill("olga");
  await p.getByRole("button", { name: zh["admin.orgs.create"], exact: true }).click();
  await p.getByRole("link", { name: "pku", exact: true }).waitFor();
  await axe(p, "admin orgs");

  // Prices: a new list for beta waits for approval; approving puts it in force.
  await p.goto(c.url + "/#/admin/prices");
  await heading(p, zh["admin.prices.title"]);
  await p.getByLabel(zh["prices.center"]).selectOption("beta");
  await p.getByLabel(zh["prices.core"]).fill("50");
  await p.getByRole("button", { name: zh["prices.submit"] }).click();
  await p.getByRole("button", { name: zh["prices.approve"].replace("{center}", "beta") }).click();
  await waitFor(async () => (await c.api("GET", "/centers/beta/prices", undefined, c.admin)).items.some(x => x.in_force),
    "beta's prices in force");
  await axe(p, "admin prices");
  await shot(p, "admin-prices-zh", true);

  // Quotas: one for a user, set and listed.
  await p.goto(c.url + "/#/admin/quotas");
  await heading(p, zh["admin.quotas.title"]);
  await p.getByLabel(zh["quotas.scope"]).fill("user:carol");
  await p.getByLabel(zh["quotas.resource"]).selectOption("core_hours");
  await p.getByLabel(zh["quotas.limit"]).fill("500");
  await p.getByRole("button", { name: zh["quotas.save"] }).click();
  await p.getByRole("rowheader", { name: "user:carol" }).waitFor();
  await axe(p, "quotas");

  // Money: a top-up, a credit limit and a correction for carol, each
  // checked in the ledger; a second click of the same form is a new
  // operation, a retry of one request is not (Idempotency-Key).
  const accOf = async who => c.api("GET", "/accounts/user:" + who, undefined, c.admin);
  const before0 = (await accOf("carol")).balance;
  await p.goto(c.url + "/#/admin/money");
  await heading(p, zh["admin.money.title"]);
  await p.getByText(zh["money.audit.ok"]).waitFor();
  const topup = p.locator("form", { has: p.locator("#m-topup") });
  await topup.getByLabel(zh["money.account"]).fill("user:carol");
  await topup.getByLabel(zh["money.amount"]).fill("100.50");
  await topup.getByLabel(zh["money.memo"]).fill("grant 2026");
  await topup.getByRole("button", { name: zh["money.topup.do"] }).click();
  await waitFor(async () => (await accOf("carol")).balance === before0 + 10050, "carol's top-up");
  const credit = p.locator("form", { has: p.locator("#m-credit") });
  await credit.getByLabel(zh["money.account"]).fill("user:carol");
  await credit.getByLabel(zh["money.credit"]).fill("20");
  await credit.getByRole("button", { name: zh["money.credit.do"] }).click();
  await waitFor(async () => (await accOf("carol")).credit_limit === 2000, "carol's credit limit");
  const xfer = p.locator("form", { has: p.locator("#m-transfer") });
  await xfer.getByLabel(zh["money.from"]).fill("user:carol");
  await xfer.getByLabel(zh["money.to"]).fill("platform");
  await xfer.getByLabel(zh["money.amount"]).fill("0.50");
  await xfer.getByLabel(zh["money.memo"]).fill("top-up typed 0.50 too much");
  await xfer.getByRole("button", { name: zh["money.transfer.do"] }).click();
  await waitFor(async () => (await accOf("carol")).balance === before0 + 10000, "carol's correction");
  await p.locator("tr", { hasText: "user:carol" }).locator("td", { hasText: "100" }).first().waitFor();
  assert.ok((await c.api("GET", "/ledger/audit", undefined, c.admin)).ok);
  await axe(p, "admin money");
  await shot(p, "admin-money-zh", true, true);

  // Settlements: this month, alpha earned from alice's jobs; the CSV is the
  // same report; paying out twice pays once.
  await p.goto(c.url + "/#/admin");
  await p.getByRole("link", { name: zh["admin.settlements.title"] }).click();
  await heading(p, zh["admin.settlements.title"]);
  await p.getByRole("rowheader", { name: "alpha" }).waitFor();
  const month = new Date().toISOString().slice(0, 7);
  const scsv = await p.getByRole("link", { name: zh["settle.csv"].replace("{period}", month) }).getAttribute("href");
  const sbody = await p.evaluate(async href => (await fetch(href)).text(), scsv);
  assert.match(sbody, /^period,center,jobs,earned/);
  assert.match(sbody, new RegExp(month + ",alpha,"));
  await axe(p, "settlements");
  await shot(p, "admin-settlements-zh", true);
  await p.getByRole("button", { name: zh["settle.pay"].replace("{period}", month) }).click();
  await p.locator("td", { hasText: zh["settle.result.paid"] }).first().waitFor();
  await p.getByRole("button", { name: zh["settle.pay"].replace("{period}", month) }).click();
  await p.locator("td", { hasText: zh["settle.result.paid_before"] }).first().waitFor();
  assert.ok((await c.api("GET", "/ledger/audit", undefined, c.admin)).ok);

  // Audit: every change above is there, searchable by user.
  await p.goto(c.url + "/#/admin/audit");
  await heading(p, zh["admin.audit.title"]);
  await p.getByLabel(zh["audit.user"]).fill("admin");
  await p.getByRole("button", { name: zh["audit.go"] }).click();
  await p.locator("td", { hasText: "POST /api/v1/orgs" }).first().waitFor();
  await axe(p, "audit");
  await shot(p, "admin-audit-zh", true);
  noErrors(b);
  await b.close();
});

test("org admin runs pku: members, a project and its quota; a member is then refused with the quota message", async () => {
  const b = await browser("zh-CN");
  const p = b.page;
  await signIn(b, "olga", "olga-password", "zh-CN");
  await p.getByRole("link", { name: zh["nav.org"] }).click();
  await heading(p, zh["org.title"]);
  for (const who of ["carol", "dora"]) {
    await p.getByLabel(zh["org.user"]).fill(who);
    await p.getByRole("button", { name: zh["org.add"] }).click();
    await p.getByRole("rowheader", { name: who }).waitFor();
  }
  await p.getByRole("button", { name: zh["org.make.admin"].replace("{name}", "carol") }).click();
  await p.getByRole("button", { name: zh["org.make.member"].replace("{name}", "carol") }).waitFor();
  const members = await c.api("GET", "/orgs/pku/members", undefined, c.admin);
  assert.equal(members.items.find(m => m.user_name === "carol").role, "admin");
  await p.getByLabel(zh["org.project.name"]).fill("cfd-2026");
  await p.getByRole("button", { name: zh["org.project.create"] }).click();
  await p.getByRole("listitem").filter({ hasText: "cfd-2026" }).waitFor();

  // Project members: carol in, out again; dora in.
  const pm = p.locator("section", { has: p.locator("#org-pmembers") });
  await pm.getByLabel(zh["pmembers.user"]).selectOption("carol");
  await pm.getByRole("button", { name: zh["pmembers.add"] }).click();
  await pm.getByRole("rowheader", { name: "carol" }).waitFor();
  await pm.getByRole("button", { name: zh["pmembers.remove"].replace("{name}", "carol").replace("{project}", "cfd-2026") }).click();
  await p.getByText(zh["pmembers.removed"].replace("{name}", "carol").replace("{project}", "cfd-2026")).waitFor();
  await pm.getByLabel(zh["pmembers.user"]).selectOption("dora");
  await pm.getByRole("button", { name: zh["pmembers.add"] }).click();
  await pm.getByRole("rowheader", { name: "dora" }).waitFor();
  const cfd = (await c.api("GET", "/projects?org=pku", undefined, c.admin)).items.find(x => x.name === "cfd-2026");
  const pmem = (await c.api("GET", "/projects/" + cfd.id + "/members", undefined, c.admin)).items.map(m => m.user_name);
  assert.deepEqual(pmem, ["dora"]);

  // Invites: a code is shown once and works once; a revoked one does not.
  const inv = p.locator("section", { has: p.locator("#org-invites") });
  await inv.getByRole("button", { name: zh["invites.create"] }).click();
  const code = (await inv.locator("pre.invite-code").textContent()).trim();
  assert.match(code, /^hpci_/);
  const su = await c.req("POST", "/signup", { name: "ivy", password: "ivy-password", invite: code });
  assert.equal(su.status, 201);
  await p.reload();
  await heading(p, zh["org.title"]);
  await inv.getByText(zh["invites.used"].replace("{name}", "ivy")).waitFor();
  await inv.getByRole("button", { name: zh["invites.create"] }).click();
  const code2 = (await inv.locator("pre.invite-code").textContent()).trim();
  await inv.getByRole("button", { name: new RegExp("^" + zh["invites.revoke"].replace("{when}", ".*") + "$") }).click();
  await p.getByText(zh["invites.revoked"]).waitFor();
  assert.equal((await c.req("POST", "/signup", { name: "ivo", password: "ivo-password", invite: code2 })).status, 403);
  assert.equal(await inv.getByRole("button", { name: new RegExp("^" + zh["invites.revoke"].replace("{when}", ".*") + "$") }).count(), 0);
  // The project may run one job at a time.
  await p.getByLabel(zh["quotas.scope"]).selectOption("project:pku/cfd-2026");
  await p.getByLabel(zh["quotas.resource"]).selectOption("concurrent_jobs");
  await p.getByLabel(zh["quotas.limit"]).fill("1");
  await p.getByRole("button", { name: zh["quotas.save"] }).click();
  await p.getByRole("rowheader", { name: "project:pku/cfd-2026" }).waitFor();
  assert.equal(await p.getByRole("link", { name: zh["nav.admin"] }).count(), 0);
  await axe(p, "org admin");
  await shot(p, "org-zh", true, true);
  noErrors(b);
  await b.close();

  // The org pays for its projects' jobs.
  await c.api("POST", "/accounts/org:pku/topup", { amount: 1e9 }, c.admin);
  const d = await browser("en-US");
  const q = d.page;
  await signIn(d, "dora", "dora-password", "en");
  await q.goto(c.url + "/#/submit");
  await heading(q, en["submit.title"]);
  await q.getByLabel(en["submit.project"]).selectOption("pku/cfd-2026");
  await q.getByLabel(en["submit.mode.command"]).check();
  await q.locator("#script").fill("sleep 60");
  await q.locator("table.verdicts tbody tr").nth(1).waitFor();
  await q.getByRole("button", { name: en["submit.submit"], exact: true }).click();
  await q.waitForURL(/#\/jobs\/job_/);
  const first = decodeURIComponent(q.url().split("#/jobs/")[1]);
  assert.equal((await c.api("GET", "/jobs/" + first, undefined, c.admin)).project, "cfd-2026");
  await expecting(d, [409], async () => {
    await q.goto(c.url + "/#/submit");
    await heading(q, en["submit.title"]);
    await q.getByLabel(en["submit.project"]).selectOption("pku/cfd-2026");
    await q.locator("table.verdicts tbody tr").nth(1).waitFor();
    await q.getByRole("button", { name: en["submit.submit"], exact: true }).click();
    await q.getByRole("alert").filter({ hasText: "quota exceeded: concurrent_jobs" }).waitFor();
  });
  assert.ok(q.url().endsWith("#/submit"), "stayed on the form");
  await shot(q, "quota-refused-en");
  await c.api("POST", "/jobs/" + first + "/cancel", {}, c.admin);
  noErrors(d);
  await d.close();
});

test("center operator: alpha's health, jobs and prices, and new prices for approval", async () => {
  // oscar was made alpha's operator in the portal (platform admin test).
  assert.ok((await c.api("GET", "/roles?user=oscar", undefined, c.admin)).items.some(g => g.scope_name === "alpha"));
  const o = await browser("en-US");
  const p = o.page;
  await signIn(o, "oscar", "oscar-password", "en");
  await p.getByRole("link", { name: en["nav.operator"] }).click();
  await heading(p, en["operator.title"]);
  await p.locator("article.center h2", { hasText: "alpha" }).waitFor();
  // Jobs at alpha (alice's, not his own), and none of beta's.
  await p.locator("table.jobs a", { hasText: "hello" }).first().waitFor();
  assert.equal(await p.locator("table.jobs td", { hasText: "beta" }).count(), 0);
  await p.getByText(en["prices.inforce"]).first().waitFor();
  await p.getByLabel(en["prices.core"]).fill("150");
  await p.getByRole("button", { name: en["prices.submit"] }).click();
  await p.getByText(en["pstatus.pending"]).first().waitFor();
  const lists = await c.api("GET", "/centers/alpha/prices", undefined, c.admin);
  assert.ok(lists.items.some(x => x.status === "pending" && x.items[0].price === 150));
  await axe(p, "operator");
  await shot(p, "operator-en", true);
  noErrors(o);
  await o.close();
});

test("platform admin in English: users and roles, money, settlements, an org's invites and project members", async () => {
  const b = await browser("en-US");
  const p = b.page;
  await signIn(b, "admin", ADMIN_PASSWORD, "en");
  for (const [hash, key, name, ready] of [
    ["#/admin/users", "admin.users.title", "admin-users-en", p => p.getByRole("rowheader", { name: "oscar" })],
    ["#/admin/money", "admin.money.title", "admin-money-en", p => p.getByText(en["money.audit.ok"])],
    ["#/admin/settlements", "admin.settlements.title", "admin-settlements-en", p => p.getByRole("rowheader", { name: "alpha" })],
    ["#/org?org=pku", "org.title", "org-en", p => p.getByText(en["invites.used"].replace("{name}", "ivy"))]]) {
    await p.goto(c.url + "/" + hash);
    await heading(p, en[key]);
    await ready(p).first().waitFor();
    await axe(p, name);
    await shot(p, name, true, true);
  }
  // Keyboard only: a top-up form is reached and sent without the mouse.
  await p.goto(c.url + "/#/admin/money");
  await heading(p, en["admin.money.title"]);
  const acc = p.locator("#m-topup").locator("xpath=..").getByLabel(en["money.account"]);
  await acc.focus();
  await p.keyboard.type("user:dora");
  await p.keyboard.press("Tab");
  await p.keyboard.type("1.25");
  await p.keyboard.press("Enter");
  await waitFor(async () => (await c.api("GET", "/accounts/user:dora", undefined, c.admin)).balance === 125, "dora's top-up by keyboard");
  noErrors(b);
  await b.close();
});
