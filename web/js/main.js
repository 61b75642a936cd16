// SPDX-License-Identifier: Apache-2.0
// The portal's entry point: language, session, routes, first render.
import { lang, setLang } from "./i18n.js";
import { whenSignedOut } from "./api.js";
import { resume, forget } from "./session.js";
import { route, render, onNavigate, go, parseHash } from "./router.js";
import { renderShell } from "./shell.js";
import signin from "./pages/signin.js";
import signup from "./pages/signup.js";
import dashboard from "./pages/dashboard.js";
import submit from "./pages/submit.js";
import jobs from "./pages/jobs.js";
import job from "./pages/job.js";
import centers from "./pages/centers.js";
import usage from "./pages/usage.js";
import account from "./pages/account.js";
import org from "./pages/org.js";
import operator from "./pages/operator.js";
import admin from "./pages/admin.js";
import adminUsers from "./pages/admin-users.js";
import adminCenters from "./pages/admin-centers.js";
import adminOrgs from "./pages/admin-orgs.js";
import adminPrices from "./pages/admin-prices.js";
import adminQuotas from "./pages/admin-quotas.js";
import adminAudit from "./pages/admin-audit.js";
import adminMoney from "./pages/admin-money.js";
import adminSettlements from "./pages/admin-settlements.js";

route("/", dashboard);
route("/signin", signin);
route("/signup", signup);
route("/submit", submit);
route("/jobs", jobs);
route("/jobs/:id", job);
route("/centers", centers);
route("/usage", usage);
route("/account", account);
route("/org", org);
route("/operator", operator);
route("/admin", admin);
route("/admin/users", adminUsers);
route("/admin/centers", adminCenters);
route("/admin/orgs", adminOrgs);
route("/admin/prices", adminPrices);
route("/admin/quotas", adminQuotas);
route("/admin/audit", adminAudit);
route("/admin/money", adminMoney);
route("/admin/settlements", adminSettlements);

onNavigate(renderShell);
// A call found the session gone: say so on the sign-in page, and come
// back here after signing in again.
function expired() {
  const { path } = parseHash();
  if (path !== "/signin")
    go("#/signin?reason=expired&next=" + encodeURIComponent(location.hash || "#/"));
  else
    render();
}
whenSignedOut(() => { forget(); expired(); });

setLang(lang());
window.addEventListener("hashchange", render);
resume().then(r => (r.expired ? expired() : render()), render);
