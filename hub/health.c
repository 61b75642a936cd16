/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/health (liveness + store check) and the OpenAPI document. */
#include "common/clock.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/db.h"
#include "hub/view.h"

#ifndef HPCNET_VERSION
#define HPCNET_VERSION "0.1.0"
#endif

extern const char hpcnet_openapi_json[];
extern const size_t hpcnet_openapi_json_len;

int hpcnet_h_health(struct hpcnet_req *r)
{
	int64_t one = 0;
	int rc = hpcnet_db_get_int(hpcnet_req_db(r), &one, "SELECT 1", NULL);

	if (rc != 1)
		return hpcnet_reply_problem(r, 503, "the hub cannot read its database");
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:s, s:o}", "status", "ok", "version",
						   HPCNET_VERSION, "time",
						   hpcnet_view_time_ms(hpcnet_now_ms())));
}

int hpcnet_h_openapi(struct hpcnet_req *r)
{
	return hpcnet_reply_raw(r, 200, "application/json", hpcnet_openapi_json,
				hpcnet_openapi_json_len);
}
