/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet hub`: opens the store (applying migrations), creates the first
 * admin on an empty database, serves the API, runs the scheduling loop,
 * and stops cleanly on SIGINT/SIGTERM. Everything it acknowledged is
 * already committed, so a kill -9 loses nothing either.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/crypto.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/hub.h"
#include "hub/oidc.h"
#include "hub/schedloop.h"
#include "hub/store/db.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hpcnet hub [options]\n"
		"  --listen HOST:PORT   address to serve the API on (default 127.0.0.1:8080;\n"
		"                       port 0 picks a free one)\n"
		"  --db URL             database (default sqlite:hpcnet.db)\n"
		"  --port-file PATH     write the bound port here once listening\n"
		"  --center-ttl SECONDS mark a center offline after this long without a\n"
		"                       heartbeat (default 30)\n"
		"  --max-body BYTES     largest request body accepted (default 4194304)\n"
		"  --session-idle SECONDS  end a portal session unused this long (default 7200)\n"
		"  --session-max SECONDS   end every portal session this long after sign-in\n"
		"                       (default 43200)\n"
		"  --secure-cookies     mark the session cookie Secure: set it when users reach\n"
		"                       the hub over HTTPS (e.g. through a TLS proxy)\n"
		"  --tls-cert FILE      serve HTTPS (TLS 1.2+) with this PEM certificate chain\n"
		"  --tls-key FILE       and this PEM private key (keep it mode 0600); cookies\n"
		"                       are then Secure\n"
		"  --currency CODE      the platform's currency, ISO 4217 (default CNY)\n"
		"  --commission PERCENT the platform's share of every charge (default 10;\n"
		"                       up to two decimals, e.g. 12.5)\n"
		"  --storage-price MINOR  what the platform charges per GiB-day the hub keeps\n"
		"                       for a user's jobs (scripts, files, output), in minor\n"
		"                       units (cents/fen); default 0: metered, not charged\n"
		"  --meter-tolerance PERCENT  flag usage a center reports further than this\n"
		"                       from the hub's own check (default 5)\n"
		"  --signup open|invite|closed\n"
		"                       who may create an account with POST /api/v1/signup\n"
		"                       (default closed: admins create users)\n"
		"  --disabled-user-jobs cancel|keep\n"
		"                       what happens to a disabled user's queued and running\n"
		"                       jobs (default cancel)\n"
		"  --oidc-issuer URL    accept ID tokens of this OpenID Connect provider at\n"
		"                       POST /api/v1/tokens {\"id_token\"} (needs the audience)\n"
		"  --oidc-audience ID   the client id the tokens must be issued for (aud)\n"
		"  --oidc-jwks URL|FILE the provider's signing keys (JWKS); default: the jwks_uri\n"
		"                       of <issuer>/.well-known/openid-configuration\n"
		"  --oidc-org-claim NAME  claim listing org names the user joins (e.g. groups)\n"
		"  --oidc-create-users  create a user at the first sign-in of an identity\n"
		"  --oidc-jwks-refresh SECONDS  fetch the JWKS again for an unknown key id at\n"
		"                       most this often (default 60)\n"
		"  --oidc-leeway SECONDS  clock skew allowed on exp/nbf/iat (default 60)\n"
		"  --oidc-redirect-uri URL  turn on the portal's \"Sign in with ...\" button: the\n"
		"                       hub's callback as registered at the provider,\n"
		"                       https://HUB/api/v1/oidc/callback\n"
		"  --oidc-client-id ID  the hub's client id at the provider (default: the\n"
		"                       --oidc-audience)\n"
		"  --oidc-client-secret-file PATH  the client secret (or set\n"
		"                       HPCNET_OIDC_CLIENT_SECRET); none: a public client\n"
		"  --oidc-provider-name NAME  the button's label (default: the issuer's host)\n"
		"  --debug              verbose logging\n"
		"The first start on an empty database creates user 'admin' with the password\n"
		"in HPCNET_ADMIN_PASSWORD (or prints a generated one once).\n");
}

static int parse_listen(const char *s, char *host, size_t len, int *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (!colon || colon == s || (size_t)(colon - s) >= len)
		return HPCNET_EINVAL;
	p = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 0 || p > 65535)
		return HPCNET_EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)p;
	return 0;
}

/* Reads the certificate chain and key for --tls-cert/--tls-key (checked
 * by libmicrohttpd when it starts listening). Cookies become Secure: the
 * portal is reached over HTTPS. */
static int load_tls(struct hpcnet_hub *hub, const char *cert, const char *key)
{
	struct stat st;
	size_t len;
	int rc = hpcnet_fs_read(cert, 1 << 20, &hub->tls_cert, &len);

	if (rc < 0) {
		fprintf(stderr, "hpcnet hub: cannot read --tls-cert %s: %s\n", cert, strerror(-rc));
		goto fail;
	}
	rc = hpcnet_fs_read(key, 1 << 20, &hub->tls_key, &len);
	if (rc < 0) {
		fprintf(stderr, "hpcnet hub: cannot read --tls-key %s: %s\n", key, strerror(-rc));
		goto fail;
	}
	if (!strstr(hub->tls_cert, "-----BEGIN CERTIFICATE-----") ||
	    !strstr(hub->tls_key, "PRIVATE KEY-----")) {
		fprintf(stderr, "hpcnet hub: --tls-cert must be a PEM certificate (chain) and"
				" --tls-key its PEM private key\n");
		rc = HPCNET_EINVAL;
		goto fail;
	}
	/* Say so, once: anyone on the machine who can read it can be the hub. */
	if (stat(key, &st) == 0 && (st.st_mode & 0077))
		fprintf(stderr, "hpcnet hub: warning: --tls-key %s is readable by others"
				" (chmod 600 it)\n", key);
	hub->secure_cookies = 1;
	return 0;
fail:
	free(hub->tls_cert);
	free(hub->tls_key);
	hub->tls_cert = hub->tls_key = NULL;
	return rc;
}

/* The OIDC client secret, wiped before its memory goes back. */
static void forget_secret(char *secret)
{
	if (secret)
		memset(secret, 0, strlen(secret));
	free(secret);
}

/* Long options without a short letter. */
enum { OPT_OIDC_ISSUER = 1000, OPT_OIDC_AUDIENCE, OPT_OIDC_JWKS, OPT_OIDC_ORG_CLAIM, OPT_OIDC_CREATE,
       OPT_OIDC_REFRESH, OPT_OIDC_LEEWAY, OPT_OIDC_REDIRECT, OPT_OIDC_CLIENT_ID,
       OPT_OIDC_SECRET_FILE, OPT_OIDC_NAME };

/* The client secret from a file (first line) or the environment, never
 * from the command line, where every local user could read it in ps.
 * Caller frees; NULL when neither is given. <0 when the file is unreadable. */
static int client_secret(const char *path, char **out)
{
	const char *env = getenv("HPCNET_OIDC_CLIENT_SECRET");
	size_t len;
	int rc;

	*out = NULL;
	if (!path) {
		*out = env && *env ? hpcnet_xstrdup(env) : NULL;
		return 0;
	}
	rc = hpcnet_fs_read(path, 4096, out, &len);
	if (rc < 0)
		return rc;
	(*out)[strcspn(*out, "\r\n")] = '\0';
	if (!**out) { /* an empty file: a public client, not an empty secret */
		free(*out);
		*out = NULL;
	}
	return 0;
}

int hpcnet_hub_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "center-ttl", required_argument, NULL, 't' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "session-idle", required_argument, NULL, 'i' },
		{ "session-max", required_argument, NULL, 'x' },
		{ "secure-cookies", no_argument, NULL, 'S' },
		{ "tls-cert", required_argument, NULL, 'E' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "currency", required_argument, NULL, 'C' },
		{ "commission", required_argument, NULL, 'P' },
		{ "meter-tolerance", required_argument, NULL, 'T' },
		{ "storage-price", required_argument, NULL, 'G' },
		{ "signup", required_argument, NULL, 'U' },
		{ "disabled-user-jobs", required_argument, NULL, 'J' },
		{ "oidc-issuer", required_argument, NULL, OPT_OIDC_ISSUER },
		{ "oidc-audience", required_argument, NULL, OPT_OIDC_AUDIENCE },
		{ "oidc-jwks", required_argument, NULL, OPT_OIDC_JWKS },
		{ "oidc-org-claim", required_argument, NULL, OPT_OIDC_ORG_CLAIM },
		{ "oidc-create-users", no_argument, NULL, OPT_OIDC_CREATE },
		{ "oidc-jwks-refresh", required_argument, NULL, OPT_OIDC_REFRESH },
		{ "oidc-leeway", required_argument, NULL, OPT_OIDC_LEEWAY },
		{ "oidc-redirect-uri", required_argument, NULL, OPT_OIDC_REDIRECT },
		{ "oidc-client-id", required_argument, NULL, OPT_OIDC_CLIENT_ID },
		{ "oidc-client-secret-file", required_argument, NULL, OPT_OIDC_SECRET_FILE },
		{ "oidc-provider-name", required_argument, NULL, OPT_OIDC_NAME },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hpcnet_hub hub = { .center_ttl_ms = 30000, .max_body = 4 << 20,
				  .sched_interval_ms = 1000, .session_idle_ms = 7200 * 1000LL,
				  .session_max_ms = 43200 * 1000LL, .signup = HPCNET_SIGNUP_CLOSED,
				  .disabled_user_jobs_cancel = 1 };
	const char *listen = "127.0.0.1:8080", *db = "sqlite:hpcnet.db", *port_file = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	enum hpcnet_log_level lvl = HPCNET_LOG_INFO;
	char host[64];
	int port, bound = 0, c, rc = 1, sig;
	sigset_t set;
	struct hpcnet_oidc_cfg oidc = { .refresh_ms = 60000, .leeway_s = 60 };
	const char *secret_file = NULL;
	char *secret = NULL;
	int bad = 0;

	hpcnet_billing_defaults(&hub.billing);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'd': db = optarg; break;
		case 'p': port_file = optarg; break;
		case 't': hub.center_ttl_ms = atoll(optarg) * 1000; break;
		case 'm': hub.max_body = (size_t)atoll(optarg); break;
		case 'i': hub.session_idle_ms = atoll(optarg) * 1000; break;
		case 'x': hub.session_max_ms = atoll(optarg) * 1000; break;
		case 'S': hub.secure_cookies = 1; break;
		case 'E': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'C':
			bad |= !hpcnet_currency_ok(optarg);
			snprintf(hub.billing.currency, sizeof(hub.billing.currency), "%.3s", optarg);
			break;
		case 'P': bad |= hpcnet_pricing_parse_percent(optarg, &hub.billing.commission_bp) < 0; break;
		case 'T': {
			int64_t bp = 0;

			bad |= hpcnet_pricing_parse_percent(optarg, &bp) < 0 || bp % 100;
			hub.billing.tolerance_pct = bp / 100;
			break;
		}
		case 'G': {
			char *end = NULL;

			errno = 0;
			hub.billing.storage_price = strtoll(optarg, &end, 10);
			bad |= errno || end == optarg || *end || hub.billing.storage_price < 0 ||
			       hub.billing.storage_price > 1000000000;
			break;
		}
		case 'U':
			if (!strcmp(optarg, "open"))
				hub.signup = HPCNET_SIGNUP_OPEN;
			else if (!strcmp(optarg, "invite"))
				hub.signup = HPCNET_SIGNUP_INVITE;
			else if (!strcmp(optarg, "closed"))
				hub.signup = HPCNET_SIGNUP_CLOSED;
			else
				bad = 1;
			break;
		case 'J':
			if (!strcmp(optarg, "cancel") || !strcmp(optarg, "keep"))
				hub.disabled_user_jobs_cancel = !strcmp(optarg, "cancel");
			else
				bad = 1;
			break;
		case OPT_OIDC_ISSUER: oidc.issuer = optarg; break;
		case OPT_OIDC_AUDIENCE: oidc.audience = optarg; break;
		case OPT_OIDC_JWKS: oidc.jwks = optarg; break;
		case OPT_OIDC_ORG_CLAIM: oidc.org_claim = optarg; break;
		case OPT_OIDC_CREATE: oidc.create_users = 1; break;
		case OPT_OIDC_REFRESH: oidc.refresh_ms = atoll(optarg) * 1000; break;
		case OPT_OIDC_LEEWAY: oidc.leeway_s = atoll(optarg); break;
		case OPT_OIDC_REDIRECT: oidc.redirect_uri = optarg; break;
		case OPT_OIDC_CLIENT_ID: oidc.client_id = optarg; break;
		case OPT_OIDC_SECRET_FILE: secret_file = optarg; break;
		case OPT_OIDC_NAME: oidc.provider_name = optarg; break;
		case 'D': lvl = HPCNET_LOG_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || parse_listen(listen, host, sizeof(host), &port) < 0 ||
	    hub.center_ttl_ms < 1000 || hub.max_body < 1024 || hub.session_idle_ms < 1000 ||
	    hub.session_max_ms < 1000 || bad) {
		fprintf(stderr, "hpcnet hub: bad arguments (--listen wants HOST:PORT, --center-ttl >= 1,"
				" --max-body >= 1024, --session-idle and --session-max >= 1,"
				" --currency three capitals such as CNY, --commission 0 to 100,"
				" --meter-tolerance a whole percent, --storage-price 0 to 10^9,"
				" --signup open|invite|closed,"
				" --disabled-user-jobs cancel|keep)\n");
		usage(stderr);
		return 2;
	}
	if ((oidc.issuer || oidc.audience || oidc.jwks) &&
	    (!oidc.issuer || !oidc.audience || oidc.refresh_ms < 1000 ||
	     oidc.leeway_s < 0 || oidc.leeway_s > 3600)) {
		fprintf(stderr, "hpcnet hub: OpenID Connect needs --oidc-issuer and --oidc-audience"
				" (--oidc-jwks-refresh >= 1, --oidc-leeway 0..3600)\n");
		return 2;
	}
	/* Without --oidc-jwks the keys are found by discovery from the issuer URL. */
	if (oidc.issuer && !oidc.jwks && strncmp(oidc.issuer, "http://", 7) != 0 &&
	    strncmp(oidc.issuer, "https://", 8) != 0) {
		fprintf(stderr, "hpcnet hub: --oidc-issuer '%s' is not an http(s) URL, so its keys"
				" cannot be discovered: give --oidc-jwks URL|FILE\n", oidc.issuer);
		return 2;
	}
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "hpcnet hub: HTTPS needs both --tls-cert and --tls-key\n");
		return 2;
	}
	if (oidc.redirect_uri && (!oidc.issuer || (strncmp(oidc.redirect_uri, "http://", 7) != 0 &&
						   strncmp(oidc.redirect_uri, "https://", 8) != 0))) {
		fprintf(stderr, "hpcnet hub: --oidc-redirect-uri needs --oidc-issuer and an http(s)"
				" URL ending in /api/v1/oidc/callback\n");
		return 2;
	}
	if (client_secret(secret_file, &secret) < 0) {
		fprintf(stderr, "hpcnet hub: cannot read --oidc-client-secret-file %s\n", secret_file);
		return 2;
	}
	/* last of the argument checks: nothing to free on the returns above */
	if (tls_cert && load_tls(&hub, tls_cert, tls_key) < 0) {
		forget_secret(secret);
		return 2;
	}
	oidc.client_secret = secret;
	if (oidc.issuer)
		hub.oidc = hpcnet_oidc_new(&oidc);
	forget_secret(secret);
	hpcnet_log_init("hub", lvl);
	if (hpcnet_crypto_init() < 0) {
		hpcnet_error("libsodium failed to initialise");
		return 1;
	}
	/* Signals are taken synchronously by the main thread below; block them
	 * before any thread starts so no worker thread receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	hpcnet_notify_init(&hub.notify);
	if (hpcnet_store_open(db, &hub.store) < 0)
		goto out;
	if (hpcnet_users_bootstrap(&hub) < 0)
		goto out;
	if (hpcnet_http_start(&hub, host, port, &bound) < 0)
		goto out;
	if (hpcnet_schedloop_start(&hub) < 0) {
		hpcnet_error("cannot start the scheduler thread");
		goto out;
	}
	if (port_file) {
		char num[16];
		int n = snprintf(num, sizeof(num), "%d\n", bound);

		if (hpcnet_fs_write_atomic(port_file, num, (size_t)n, 0644) < 0)
			hpcnet_warn("cannot write port file %s", port_file);
	}
	hpcnet_info("listening on %s://%s:%d (database %s)", hub.tls_cert ? "https" : "http", host,
		    bound, db);
	sigwait(&set, &sig);
	hpcnet_info("stopping (signal %d)", sig);
	hpcnet_schedloop_stop(&hub);
	rc = 0;
out:
	hub.stopping = 1;
	hpcnet_notify_bump(&hub.notify);
	hpcnet_http_stop(&hub);
	hpcnet_store_close(hub.store);
	hpcnet_notify_destroy(&hub.notify);
	hpcnet_oidc_free(hub.oidc);
	free(hub.tls_cert);
	free(hub.tls_key);
	return rc;
}
