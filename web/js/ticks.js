// SPDX-License-Identifier: Apache-2.0
// Axis ticks for the charts: "nice" steps (1, 2 or 5 x 10^k) and labels
// with just enough decimals to tell the ticks apart, in the page's
// language. No DOM here, so node's test runner checks it directly
// (tests/browser/ticks.test.mjs).

// Ticks 0, step, 2*step, ... up to the first one >= max, about `n` of
// them. minStep keeps steps whole where fractions mean nothing (money in
// minor units). Each tick is k*step (not a running sum), so 0.1+0.2 never
// shows up as 0.30000000000000004.
export function niceTicks(max, n, minStep) {
  n = n || 5;
  if (!(max > 0) || !Number.isFinite(max)) return { step: minStep || 1, digits: 0, ticks: [0, minStep || 1] };
  const raw = max / n;
  const k = Math.floor(Math.log10(raw));
  const mag = Math.pow(10, k);
  const f = raw / mag;
  let step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  if (minStep && step < minStep) step = minStep;
  // Decimals a step of 1/2/5 x 10^k needs: -k when k < 0 (0.05 -> 2).
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const count = Math.ceil(max / step - 1e-9);
  const ticks = [];
  for (let i = 0; i <= count; i++) ticks.push(Number((i * step).toFixed(digits)));
  return { step, digits, ticks };
}

// A tick label: exactly `digits` decimals, grouped the way `locale` writes
// numbers (1,234.5 in English, the same in Chinese; 1 234,5 elsewhere).
export function formatTick(v, digits, locale) {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

// A single value (a bar's tooltip, a table cell): two decimals, or three
// significant digits when that would show a small non-zero value as 0.
export function formatValue(v, locale) {
  if (v !== 0 && Math.abs(v) < 0.01)
    return new Intl.NumberFormat(locale, { maximumSignificantDigits: 3 }).format(v);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(v);
}
