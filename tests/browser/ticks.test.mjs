// SPDX-License-Identifier: Apache-2.0
// The chart's axis ticks (web/js/ticks.js): nice steps and labels with
// enough decimals that small values (a few seconds of resource time, in
// hours) do not all read "0".
import { test } from "node:test";
import assert from "node:assert/strict";
import { niceTicks, formatTick, formatValue } from "../../web/js/ticks.js";

const labels = (max, locale, minStep) => {
  const k = niceTicks(max, 5, minStep);
  return k.ticks.map(v => formatTick(v, k.digits, locale));
};

test("steps are 1, 2 or 5 x 10^k and the last tick covers the maximum", () => {
  for (const max of [0.0034, 0.02, 0.3, 1, 7, 13, 99, 1234, 5e6]) {
    const { step, ticks } = niceTicks(max, 5);
    const mant = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
    assert.ok([1, 2, 5].some(m => Math.abs(mant - m) < 1e-9), max + ": step " + step);
    assert.equal(ticks[0], 0);
    assert.ok(ticks[ticks.length - 1] >= max, max + ": top " + ticks[ticks.length - 1]);
    assert.ok(ticks[ticks.length - 2] < max, max + ": one tick too many");
    assert.ok(ticks.length >= 3 && ticks.length <= 11, max + ": " + ticks.length + " ticks");
  }
});

test("small hours get distinct labels (the 0,0,0,0 axis)", () => {
  assert.deepEqual(labels(0.0034, "en"), ["0.000", "0.001", "0.002", "0.003", "0.004"]);
  assert.deepEqual(labels(0.12, "en"), ["0.00", "0.05", "0.10", "0.15"]);
  for (const max of [0.0001, 0.004, 0.07, 0.9]) {
    const l = labels(max, "en");
    assert.equal(new Set(l).size, l.length, max + ": " + l.join(","));
  }
});

test("ticks are exact multiples, not running sums", () => {
  assert.deepEqual(niceTicks(0.3, 5).ticks, [0, 0.1, 0.2, 0.3]);
});

test("whole steps print no decimals and group thousands per language", () => {
  assert.deepEqual(labels(7, "en"), ["0", "2", "4", "6", "8"]);
  assert.deepEqual(labels(4200, "en"), ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]);
  assert.deepEqual(labels(4200, "zh-CN"), ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]);
  assert.equal(formatTick(1234.5, 1, "de"), "1.234,5");
});

test("a minimum step keeps money in minor units whole", () => {
  const k = niceTicks(3, 5, 1);
  assert.equal(k.step, 1);
  assert.deepEqual(k.ticks, [0, 1, 2, 3]);
  assert.equal(k.digits, 0);
});

test("an empty chart still has an axis", () => {
  for (const max of [0, -1, NaN, Infinity]) {
    const k = niceTicks(max, 5);
    assert.deepEqual(k.ticks, [0, 1]);
  }
});

test("values keep small amounts visible", () => {
  assert.equal(formatValue(0.00123, "en"), "0.00123");
  assert.equal(formatValue(12.345, "en"), "12.35");
  assert.equal(formatValue(0, "en"), "0");
});
