// SPDX-License-Identifier: Apache-2.0
// The portal's only way to the hub: the public REST API (/api/v1), signed
// in by the session cookie the browser keeps (HttpOnly: no script here
// can read it). Every change carries the session's CSRF token.

let csrf = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || "HTTP " + status);
    this.status = status;
    this.fields = (problem && problem.errors) || [];
  }
}

export function setCsrf(token) { csrf = token; }
// Called with the ApiError when a call finds the session gone (401).
export function whenSignedOut(fn) { onSignedOut = fn; }

// api("GET", "/jobs?state=running") -> parsed JSON (or text for text/plain).
// opts.raw: resolve to {data, headers}; opts.quiet401: do not leave the page
// on 401 (sign-in itself); opts.signal: an AbortSignal; opts.headers: more.
export async function api(method, path, body, opts) {
  opts = opts || {};
  const headers = Object.assign({}, opts.headers);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch("/api/v1" + path, {
    method, headers, credentials: "same-origin", signal: opts.signal,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = r.headers.get("Content-Type") || "";
  let data = null;
  if (r.status !== 204 && r.status !== 304)
    data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const e = new ApiError(r.status, data);
    if (r.status === 401 && !opts.quiet401) onSignedOut(e);
    throw e;
  }
  return opts.raw ? { data, headers: r.headers } : data;
}

// All pages of a list endpoint (bounded: at most `max` items).
export async function listAll(path, max) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", path + sep + "limit=200" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < (max || 1000));
  return items;
}

export function idemKey() {
  return crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, "0")).join("");
}
