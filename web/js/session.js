// SPDX-License-Identifier: Apache-2.0
// Who is signed in. The session itself is the hub's HttpOnly cookie; this
// module only keeps the user and the CSRF token the hub handed back.
import { api, setCsrf } from "./api.js";

let user = null;
// Set while this browser believes it has a session, so a page load without
// one goes straight to sign-in instead of asking the hub (and logging a
// 401), and one whose session died meanwhile can say "expired".
const FLAG = "hpcnet.session";

function flag(on) {
  try { if (on) localStorage.setItem(FLAG, "1"); else localStorage.removeItem(FLAG); } catch (e) { /* storage disabled */ }
}

export function hadSession() {
  try { return localStorage.getItem(FLAG) === "1"; } catch (e) { return true; }
}

export function currentUser() { return user; }

export function isAdmin() {
  return !!user && (user.role === "admin" || user.role === "platform_admin");
}

// Orgs the user administers, and centers the user operates (from users/me).
export function adminOrgs() {
  return user ? (user.orgs || []).filter(o => o.my_role === "admin") : [];
}
export function operatedCenters() {
  return user ? (user.roles || []).filter(r => r.role === "center_operator" && r.scope_name) : [];
}

// The full picture of who the user is: roles and orgs come with users/me.
async function loadMe() {
  user = Object.assign({}, user, await api("GET", "/users/me"));
}

// After a page load: is the cookie still a live session? Resolves to the
// user, or null with expired=true when a session this browser had ended.
export async function resume() {
  user = null;
  if (!hadSession()) return { user, expired: false };
  try {
    const s = await api("GET", "/sessions/current", undefined, { quiet401: true });
    setCsrf(s.csrf_token);
    user = s.user;
    await loadMe();
    return { user, expired: false };
  } catch (e) {
    if (e.status !== 401) throw e;
    flag(false);
    return { user, expired: true };
  }
}

// The browser is off to sign in at the OpenID provider and will come back
// with a session cookie: the next page load must ask the hub about it.
export function expectSession() { flag(true); }

// Throws ApiError (401 wrong user name or password, 422 ...).
export async function signIn(username, password) {
  const s = await api("POST", "/sessions", { username, password }, { quiet401: true });
  setCsrf(s.csrf_token);
  user = s.user;
  flag(true);
  await loadMe();
  return user;
}

export async function signOut() {
  try {
    await api("DELETE", "/sessions/current", undefined, { quiet401: true });
  } finally {
    forget();
  }
}

// The hub said the session is gone (expired, signed out elsewhere).
export function forget() {
  user = null;
  setCsrf(null);
  flag(false);
}
