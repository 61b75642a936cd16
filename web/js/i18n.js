// SPDX-License-Identifier: Apache-2.0
// Every visible string goes through t(key, vars). Two tables, zh-CN (the
// default for browsers that ask for Chinese) and en; the choice is saved
// in localStorage. A key missing from the table is a bug, reported on the
// console (the browser tests fail on any console error).
import en from "./i18n/en.js";
import zh from "./i18n/zh-CN.js";

export const LANGS = { "zh-CN": zh, en };
const KEY = "hpcnet.lang";
let current = pick();

function pick() {
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) { /* storage disabled */ }
  if (saved && LANGS[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const low = String(l).toLowerCase();
    if (low.startsWith("zh")) return "zh-CN";
    if (low.startsWith("en")) return "en";
  }
  return "en";
}

export function lang() { return current; }

export function setLang(l) {
  if (!LANGS[l]) return;
  current = l;
  try { localStorage.setItem(KEY, l); } catch (e) { /* storage disabled */ }
  document.documentElement.lang = l;
}

// "Hello {name}" with vars {name: "x"}; a missing key falls back to the
// English text (or the key) and is reported.
export function t(key, vars) {
  let s = LANGS[current][key];
  if (s === undefined) {
    console.error("i18n: no '" + current + "' text for " + key);
    s = en[key] !== undefined ? en[key] : key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
  return s;
}

// A job/center state word, translated; unknown words pass through.
export function word(kind, w) {
  const k = kind + "." + w;
  return LANGS[current][k] !== undefined ? LANGS[current][k] : String(w);
}

export function fmtTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(current, { year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function fmtNum(n, digits) {
  if (n === null || n === undefined) return "";
  return Number(n).toLocaleString(current, { maximumFractionDigits: digits === undefined ? 2 : digits });
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return fmtNum(n, i ? 1 : 0) + " " + u[i];
}

export function fmtDuration(s) {
  if (s === null || s === undefined) return "";
  s = Math.round(s);
  const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600);
  const mm = Math.floor(s % 3600 / 60), ss = s % 60;
  if (d) return t("dur.dh", { d, h: hh });
  if (hh) return t("dur.hm", { h: hh, m: mm });
  if (mm) return t("dur.ms", { m: mm, s: ss });
  return t("dur.s", { s: ss });
}

// Money is integers in minor units (API conventions): 12345 CNY -> ¥123.45.
export function fmtMoney(minor, currency) {
  if (minor === null || minor === undefined) return "";
  const cur = currency || "CNY";
  return new Intl.NumberFormat(current, { style: "currency", currency: cur }).format(minor / 100);
}
