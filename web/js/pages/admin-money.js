// SPDX-License-Identifier: Apache-2.0
// Platform admin: every account's money (balance, held, credit limit),
// top-ups, credit limits, and transfers between accounts (corrections:
// the ledger is append-only, so a mistake is undone by a new transfer).
// Amounts are typed in major units (12.50) and sent in minor units; top-
// ups and transfers carry an Idempotency-Key, so a second click or a
// retried request never applies twice.
import { api, listAll, idemKey } from "../api.js";
import { h, clear, field, table } from "../dom.js";
import { t, word, fmtMoney } from "../i18n.js";
import { isAdmin } from "../session.js";
import { errorBox } from "../router.js";
import { toast } from "../shell.js";

// The name an account goes by in paths and transfers: user:NAME, org:NAME,
// center:NAME, platform, external.
export function accName(a) {
  return a.owner_kind === "platform" || a.owner_kind === "external" ? a.owner_kind : a.owner_kind + ":" + a.owner_name;
}
const minor = v => Math.round(Number(v) * 100);

export default {
  title: "admin.money.title",
  admin: () => isAdmin(),
  async render(ctx) {
    const list = h("div", {});
    const audit = h("p", { class: "small", role: "status" });
    const forms = h("div", { class: "grid2" });
    let accounts = [];
    const amountInput = name => h("input", { name, type: "number", min: 0.01, step: 0.01, required: true, inputmode: "decimal" });

    // One form: fields, a submit button, a message area; fn(values) does the call.
    function moneyForm(id, title, intro, fields, label, fn) {
      const msg = h("div", { "aria-live": "polite" });
      let key = idemKey();
      const f = h("form", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), h("p", { class: "muted small" }, intro),
        h("div", { class: "grid2" }, fields), msg, h("p", {}, h("button", { type: "submit", class: "primary" }, label)));
      f.addEventListener("submit", async ev => {
        ev.preventDefault();
        clear(msg);
        try {
          const done = await fn(key);
          key = idemKey(); // the next one is a new operation
          f.reset();
          toast(done);
          await load();
        } catch (e) { clear(msg, errorBox(e)); }
      });
      return f;
    }
    // Account names are typed (a user's account may not exist before its
    // first top-up), with the known ones offered.
    const names = h("datalist", { id: "acc-names" });
    const accSelect = name => h("input", { name, required: true, list: "acc-names", autocomplete: "off",
      pattern: "(user|org|center|merchant):[A-Za-z0-9._\\-]+|platform|external" });

    async function load() {
      const [items, led] = await Promise.all([listAll("/accounts"), api("GET", "/ledger/audit", undefined, { signal: ctx.signal })]);
      if (!ctx.alive()) return;
      accounts = items;
      clear(names, accounts.map(a => h("option", { value: accName(a) })));
      clear(audit, led.ok ? t("money.audit.ok") : t("money.audit.bad", { n: led.unbalanced_transactions + led.accounts_off_their_entries }));
      clear(list, h("div", { class: "scroll" }, table(t("admin.money.accounts"),
        [t("money.account"), t("money.kind"), t("money.balance"), t("money.held"), t("money.credit"), t("money.available")],
        items.map(a => h("tr", {}, h("th", { scope: "row" }, accName(a)), h("td", {}, word("owner", a.owner_kind)),
          h("td", { class: "num" }, fmtMoney(a.balance, a.currency)), h("td", { class: "num" }, fmtMoney(a.held, a.currency)),
          h("td", { class: "num" }, fmtMoney(a.credit_limit, a.currency)),
          h("td", { class: "num" }, fmtMoney(a.available, a.currency)))))));
    }
    await load();

    // The forms are built once the accounts are known (their pickers list them).
    const tAcc = accSelect("topup-account"), tAmt = amountInput("topup-amount");
    const tMemo = h("input", { name: "topup-memo", maxlength: 256, autocomplete: "off" });
    const cAcc = accSelect("credit-account"), cAmt = h("input", { name: "credit-amount", type: "number", min: 0, step: 0.01, required: true, inputmode: "decimal" });
    const xFrom = accSelect("from"), xTo = accSelect("to"), xAmt = amountInput("transfer-amount");
    const xMemo = h("input", { name: "transfer-memo", required: true, maxlength: 256, autocomplete: "off" });
    clear(forms,
      moneyForm("m-topup", t("money.topup.title"), t("money.topup.intro"),
        [field(t("money.account"), tAcc, t("money.account.hint")), field(t("money.amount"), tAmt), field(t("money.memo"), tMemo)], t("money.topup.do"),
        async key => {
          await api("POST", "/accounts/" + encodeURIComponent(tAcc.value) + "/topup",
            { amount: minor(tAmt.value), memo: tMemo.value.trim() || undefined }, { headers: { "Idempotency-Key": key } });
          return t("money.topup.done", { account: tAcc.value });
        }),
      moneyForm("m-credit", t("money.credit.title"), t("money.credit.intro"),
        [field(t("money.account"), cAcc, t("money.account.hint")), field(t("money.credit"), cAmt)], t("money.credit.do"),
        async () => {
          await api("POST", "/accounts/" + encodeURIComponent(cAcc.value) + "/credit-limit", { credit_limit: minor(cAmt.value) });
          return t("money.credit.done", { account: cAcc.value });
        }),
      moneyForm("m-transfer", t("money.transfer.title"), t("money.transfer.intro"),
        [field(t("money.from"), xFrom), field(t("money.to"), xTo), field(t("money.amount"), xAmt),
          field(t("money.memo"), xMemo, t("money.memo.hint"))], t("money.transfer.do"),
        async key => {
          await api("POST", "/ledger/transfers", { from: xFrom.value, to: xTo.value, amount: minor(xAmt.value), memo: xMemo.value.trim() },
            { headers: { "Idempotency-Key": key } });
          return t("money.transfer.done", { from: xFrom.value, to: xTo.value });
        }));
    clear(ctx.main, h("h1", {}, t("admin.money.title")), audit, list, names, forms,
      h("p", {}, h("a", { href: "#/admin/settlements" }, t("admin.settlements.title"))));
  },
};
