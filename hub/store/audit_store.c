/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQL for the audit log: an append-only chain where each row's hash
 * covers the row and the previous row's hash, so editing, inserting or
 * deleting a row anywhere but at the very end breaks the chain at that
 * point. Appends read the head and extend it inside the caller's write
 * transaction (the writer queue serializes them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "hpcnet/error.h"
#include "hub/store/store.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

void hpcnet_audit_hash(const struct hpcnet_audit_row *row, char out[65])
{
	/* A JSON array is unambiguous (no field can pose as two) and
	 * jansson writes the same bytes for the same values every time. */
	json_t *a = json_pack("[I, I, s, s, s, s, s, s, s, s, i, s]", (json_int_t)row->seq,
			      (json_int_t)row->at, row->actor_type, row->actor_id, row->actor_name,
			      row->source_ip, row->method, row->route, row->object_type,
			      row->object_id, row->status, row->prev_hash);
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;

	if (text)
		hpcnet_crypto_sha256_hex(text, strlen(text), out);
	else
		snprintf(out, 65, "%s", "invalid");
	free(text);
	json_decref(a);
}

int hpcnet_store_audit_append(struct hpcnet_db *db, struct hpcnet_audit_row *row)
{
	json_t *head = NULL;
	int rc = hpcnet_db_get_json(db, &head, "SELECT seq, hash FROM audit_log ORDER BY seq DESC"
				    " LIMIT 1", NULL);

	if (rc < 0)
		return rc;
	row->seq = rc ? json_integer_value(json_object_get(head, "seq")) + 1 : 1;
	snprintf(row->prev_hash, sizeof(row->prev_hash), "%s",
		 rc ? json_string_value(json_object_get(head, "hash")) : GENESIS);
	json_decref(head);
	hpcnet_audit_hash(row, row->hash);
	rc = hpcnet_db_exec(db, "INSERT INTO audit_log (seq, at, actor_type, actor_id, actor_name,"
			    " source_ip, method, route, object_type, object_id, status, prev_hash, hash)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "iittttttttitt",
			    row->seq, row->at, row->actor_type, row->actor_id, row->actor_name,
			    row->source_ip, row->method, row->route, row->object_type, row->object_id,
			    (int64_t)row->status, row->prev_hash, row->hash);
	return rc < 0 ? rc : 0;
}

int hpcnet_store_audit_list(struct hpcnet_db *db, const char *actor_id, const char *object_id,
			    int64_t from_ms, int64_t to_ms, int64_t before_seq, int64_t limit,
			    json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT seq, at, actor_type, actor_id, actor_name, source_ip, method, route,"
		" object_type, object_id, status, prev_hash, hash FROM audit_log"
		" WHERE (? IS NULL OR actor_id = ?) AND (? IS NULL OR object_id = ?)"
		" AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?) AND (? = 0 OR seq < ?)"
		" ORDER BY seq DESC LIMIT ?",
		"ttttiiiiiii", actor_id, actor_id, object_id, object_id, from_ms, from_ms, to_ms, to_ms,
		before_seq, before_seq, limit);
}

int hpcnet_store_audit_verify(struct hpcnet_db *db, int64_t *checked, int64_t *bad_seq,
			      char *why, size_t whylen)
{
	struct hpcnet_stmt *st = NULL;
	struct hpcnet_audit_row row;
	char prev[65] = GENESIS, want[65];
	int64_t expect = 1;
	int rc;

	*checked = 0;
	*bad_seq = 0;
	rc = hpcnet_db_query(db, &st, "SELECT seq, at, actor_type, actor_id, actor_name, source_ip,"
			     " method, route, object_type, object_id, status, prev_hash, hash"
			     " FROM audit_log ORDER BY seq", NULL);
	if (rc < 0)
		return rc;
	while ((rc = hpcnet_db_next(st)) == 1) {
		row = (struct hpcnet_audit_row){
			.seq = hpcnet_db_int(st, 0), .at = hpcnet_db_int(st, 1),
			.actor_type = hpcnet_db_text(st, 2), .actor_id = hpcnet_db_text(st, 3),
			.actor_name = hpcnet_db_text(st, 4), .source_ip = hpcnet_db_text(st, 5),
			.method = hpcnet_db_text(st, 6), .route = hpcnet_db_text(st, 7),
			.object_type = hpcnet_db_text(st, 8), .object_id = hpcnet_db_text(st, 9),
			.status = (int)hpcnet_db_int(st, 10),
		};
		snprintf(row.prev_hash, sizeof(row.prev_hash), "%s", hpcnet_db_text(st, 11));
		hpcnet_audit_hash(&row, want);
		if (row.seq != expect) {
			*bad_seq = expect;
			snprintf(why, whylen, "row %lld is missing (row %lld follows row %lld)",
				 (long long)expect, (long long)row.seq, (long long)expect - 1);
		} else if (strcmp(row.prev_hash, prev) != 0) {
			*bad_seq = row.seq;
			snprintf(why, whylen, "row %lld does not follow the row before it (prev_hash"
				 " differs): a row before it was replaced", (long long)row.seq);
		} else if (strcmp(hpcnet_db_text(st, 12), want) != 0) {
			*bad_seq = row.seq;
			snprintf(why, whylen, "row %lld was edited (its hash does not match its content)",
				 (long long)row.seq);
		}
		if (*bad_seq)
			break;
		snprintf(prev, sizeof(prev), "%s", want);
		expect++;
		(*checked)++;
	}
	hpcnet_db_done(st);
	if (rc < 0)
		return rc;
	return *bad_seq ? 1 : 0;
}
