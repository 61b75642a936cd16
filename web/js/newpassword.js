// SPDX-License-Identifier: Apache-2.0
// A new password typed twice (sign-up, password change): the two inputs
// and the check that they match before anything is sent.
import { h, clear } from "./dom.js";
import { t } from "./i18n.js";

// name: the first input's form name. matches(msg) says whether the two
// agree; when not, it says so in msg and puts the focus on the repeat.
export function newPassword(name) {
  const pw = h("input", { type: "password", name, required: true, minlength: 8, autocomplete: "new-password" });
  const again = h("input", { type: "password", name: "again", required: true, minlength: 8, autocomplete: "new-password" });
  function matches(msg) {
    if (pw.value === again.value) return true;
    clear(msg, h("p", { class: "alert error", role: "alert" }, t("account.mismatch")));
    again.focus();
    return false;
  }
  return { pw, again, matches };
}
