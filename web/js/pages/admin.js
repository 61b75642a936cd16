// SPDX-License-Identifier: Apache-2.0
// Platform admin: one page that leads to every administration page.
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";
import { isAdmin } from "../session.js";

const PAGES = ["users", "centers", "orgs", "prices", "quotas", "money", "settlements", "audit"];

export default {
  title: "admin.title",
  admin: () => isAdmin(),
  render(ctx) {
    clear(ctx.main, h("h1", {}, t("admin.title")), h("div", { class: "cards" }, PAGES.map(p =>
      h("article", { class: "card" }, h("h2", {}, h("a", { href: "#/admin/" + p }, t("admin." + p + ".title"))),
        h("p", { class: "muted" }, t("admin." + p + ".intro"))))));
  },
};
