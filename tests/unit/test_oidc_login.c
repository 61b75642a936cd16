/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure pieces of the browser sign-in (hub/oidc_login.h): the PKCE
 * challenge against RFC 7636's own example, the authorization URL's
 * parameters, and which return_to values are refused as open redirects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/oidc.h"
#include "hub/oidc_login.h"

static void test_pkce_rfc7636_appendix_b(void **state)
{
	char c[HPCNET_PKCE_CHALLENGE_LEN];

	(void)state;
	hpcnet_oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", c);
	assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_authorize_url(void **state)
{
	struct hpcnet_oidc_cfg cfg = { .client_id = "hub portal",
				       .redirect_uri = "https://hub.example/api/v1/oidc/callback" };
	char *u;

	(void)state;
	u = hpcnet_oidc_authorize_url(&cfg, "https://idp.example/auth", "st", "no",
				      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	assert_string_equal(u, "https://idp.example/auth?response_type=code&client_id=hub%20portal"
			       "&redirect_uri=https%3A%2F%2Fhub.example%2Fapi%2Fv1%2Foidc%2Fcallback"
			       "&scope=openid%20profile%20email&state=st&nonce=no"
			       "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
			       "&code_challenge_method=S256");
	free(u);
	/* an endpoint with a query of its own keeps it */
	u = hpcnet_oidc_authorize_url(&cfg, "https://idp.example/auth?tenant=x", "st", "no", "v");
	assert_non_null(strstr(u, "/auth?tenant=x&response_type=code&"));
	free(u);
}

static void test_return_to(void **state)
{
	static const char *const good[] = { "/", "/#/jobs", "/#/jobs/job_01?state=running",
					    "/portal/x", NULL };
	static const char *const bad[] = { "", "https://evil.example/", "//evil.example/x",
					   "/\\evil.example", "\\\\evil", "evil.example",
					   "javascript:alert(1)", "/ foo", "/a\r\nSet-Cookie: x=1",
					   "/a\\b", "/\t/evil", NULL };
	char longer[600];
	int i;

	(void)state;
	for (i = 0; good[i]; i++)
		assert_true(hpcnet_oidc_return_ok(good[i]));
	for (i = 0; bad[i]; i++)
		assert_false(hpcnet_oidc_return_ok(bad[i]));
	assert_false(hpcnet_oidc_return_ok(NULL));
	memset(longer, 'a', sizeof(longer));
	longer[0] = '/';
	longer[sizeof(longer) - 1] = '\0';
	assert_false(hpcnet_oidc_return_ok(longer));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkce_rfc7636_appendix_b),
		cmocka_unit_test(test_authorize_url),
		cmocka_unit_test(test_return_to),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
