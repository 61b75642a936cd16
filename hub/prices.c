/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Price lists: /api/v1/centers/{id}/prices (set, list) and
 * /api/v1/prices (all lists; approve, reject). A center's operator (or a
 * platform admin) sets a list, pending; it takes effect only once a
 * platform administrator approved it, from its
 * effective_from on; jobs keep the prices in force when they were
 * submitted (see hub/billing/billing.h). The items are validated by
 * hub/billing/pricing.c, which also defines the rounding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/billing/pricing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field price_fields[] = {
	{ .name = "items", .type = HPCNET_F_ARRAY, .required = 1 },
	{ .name = "currency", .type = HPCNET_F_STRING, .min = 3, .max = 3 },
	{ .name = "effective_from", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ 0 },
};

/* A stored row -> the API's price list; in_force_id marks the one in force. */
static json_t *price_view(json_t *row, const char *in_force_id)
{
	const char *items = json_string_value(json_object_get(row, "items"));
	json_t *v = json_pack("{s:O, s:O, s:O, s:O, s:o, s:o, s:O, s:O, s:o, s:O, s:o, s:b}",
		"id", json_object_get(row, "id"), "center_id", json_object_get(row, "center_id"),
		"center", json_object_get(row, "center_name"), "currency",
		json_object_get(row, "currency"), "items", json_loads(items ? items : "[]", 0, NULL),
		"effective_from", hpcnet_view_time(json_object_get(row, "effective_from")),
		"status", json_object_get(row, "status"), "created_by", json_object_get(row, "created_by"),
		"created_at", hpcnet_view_time(json_object_get(row, "created_at")),
		"approved_by", json_object_get(row, "approved_by"),
		"approved_at", hpcnet_view_time(json_object_get(row, "approved_at")),
		"in_force", in_force_id && strcmp(in_force_id, json_string_value(json_object_get(row,
											   "id"))) == 0);

	return v;
}

static int reply_lists(struct hpcnet_req *r, const char *center_id)
{
	json_t *rows = NULL, *row, *items, *force = NULL;
	int64_t now = hpcnet_now_ms();
	size_t i;
	int rc = hpcnet_store_price_list(hpcnet_req_db(r), center_id, &rows);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	items = json_array();
	json_array_foreach(rows, i, row) {
		const char *cid = json_string_value(json_object_get(row, "center_id"));

		rc = hpcnet_store_price_in_force(r->db, cid, now, &force);
		if (rc < 0)
			break;
		json_array_append_new(items, price_view(row, force ? json_string_value(
								json_object_get(force, "id")) : NULL));
		json_decref(force);
		force = NULL;
	}
	json_decref(rows);
	if (rc < 0) {
		json_decref(items);
		return hpcnet_reply_error(r, rc);
	}
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

int hpcnet_h_prices_list(struct hpcnet_req *r)
{
	return reply_lists(r, NULL);
}

/* The center in the path; replies 404. */
static int path_center(struct hpcnet_req *r, json_t **center)
{
	int rc = hpcnet_store_center_get(hpcnet_req_db(r), r->params[0], center);

	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no center '%s' (see hpcnet centers)", r->params[0]);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	return rc;
}

int hpcnet_h_prices_center_list(struct hpcnet_req *r)
{
	json_t *c = NULL;

	if (path_center(r, &c) < 0)
		return 0;
	reply_lists(r, json_string_value(json_object_get(c, "id")));
	json_decref(c);
	return 0;
}

struct price_write {
	const char *id, *center_id, *currency, *items, *by;
	int64_t from, now;
};

static int price_fn(struct hpcnet_db *db, void *arg)
{
	struct price_write *w = arg;

	return hpcnet_store_price_insert(db, w->id, w->center_id, w->currency, w->items, w->from,
					 w->by, w->now);
}

int hpcnet_h_prices_set(struct hpcnet_req *r)
{
	json_t *body = NULL, *c = NULL, *errors, *row = NULL;
	struct hpcnet_price_list pl;
	struct price_write w = { .by = r->user_id, .now = hpcnet_now_ms() };
	char id[HPCNET_ID_LEN], *items = NULL;
	const char *from;
	int rc;

	struct hpcnet_perm_obj o = { .type = "center", .id = r->params[0] };

	if (path_center(r, &c) < 0)
		goto out;
	o.center_id = json_string_value(json_object_get(c, "id"));
	if (hpcnet_perm_check(r, "prices.set", &o) < 0 || hpcnet_req_json(r, &body) < 0)
		goto out;
	errors = hpcnet_validate(body, price_fields);
	w.currency = json_string_value(json_object_get(body, "currency"));
	if (!w.currency)
		w.currency = r->hub->billing.currency;
	else if (strcmp(w.currency, r->hub->billing.currency) != 0)
		hpcnet_validate_add(&errors, "currency", "must be the platform's currency, %s",
				    r->hub->billing.currency);
	w.from = w.now;
	from = json_string_value(json_object_get(body, "effective_from"));
	if (from && hpcnet_time_parse(from, &w.from) < 0)
		hpcnet_validate_add(&errors, "effective_from", "must be an RFC 3339 time such as"
				    " 2026-12-01T00:00:00Z");
	if (json_is_array(json_object_get(body, "items")))
		hpcnet_pricing_parse(json_object_get(body, "items"), &pl, &errors);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	hpcnet_id_new("prl", id);
	items = json_dumps(json_object_get(body, "items"), JSON_COMPACT);
	w.id = id;
	w.items = items;
	w.center_id = json_string_value(json_object_get(c, "id"));
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, price_fn, &w);
	if (rc == 0)
		rc = hpcnet_store_price_get(hpcnet_req_db(r), id, &row);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 201, price_view(row, NULL));
out:
	free(items);
	json_decref(row);
	json_decref(c);
	json_decref(body);
	return 0;
}

struct decide_write {
	const char *id, *status, *by;
};

static int decide_fn(struct hpcnet_db *db, void *arg)
{
	struct decide_write *w = arg;
	int rc = hpcnet_store_price_decide(db, w->id, w->status, w->by, hpcnet_now_ms());

	/* 0 when this call decided it (the change its audit row goes in
	 * with), 1 when it was decided already (nothing changed). */
	return rc < 0 ? rc : rc > 0 ? 0 : 1;
}

/* approve and reject: the path's last segment says which. */
int hpcnet_h_prices_decide(struct hpcnet_req *r)
{
	struct decide_write w = { .id = r->params[0], .by = r->user_id,
				  .status = strstr(r->path, "/approve") ? "approved" : "rejected" };
	json_t *row = NULL, *force = NULL;
	int rc = hpcnet_id_valid("prl", r->params[0]) ? hpcnet_store_price_get(hpcnet_req_db(r),
								 r->params[0], &row) : HPCNET_ENOTFOUND;

	if (rc == HPCNET_ENOTFOUND)
		return hpcnet_reply_problem(r, 404, "no price list '%s' (they look like prl_01J...)",
					    r->params[0]);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	json_decref(row);
	row = NULL;
	rc = hpcnet_req_write(r, decide_fn, &w);
	if (rc == 1) {
		hpcnet_reply_problem(r, 409, "price list %s was already decided; set a new one to change"
				     " prices", r->params[0]);
		return 0;
	}
	if (rc == 0)
		rc = hpcnet_store_price_get(hpcnet_req_db(r), r->params[0], &row);
	if (rc >= 0)
		rc = hpcnet_store_price_in_force(r->db, json_string_value(json_object_get(row,
									"center_id")),
						 hpcnet_now_ms(), &force);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 200, price_view(row, force ? json_string_value(
							json_object_get(force, "id")) : NULL));
	json_decref(force);
	json_decref(row);
	return 0;
}
