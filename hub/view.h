/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store rows -> API objects: the one place that decides what a job, a
 * center, a user or a token looks like on the wire (RFC 3339 times, nested
 * usage/resources, no internal columns such as hashes).
 */
#ifndef HPCNET_HUB_VIEW_H
#define HPCNET_HUB_VIEW_H

#include <stdint.h>

#include <jansson.h>

/* Each takes a store row (borrowed) and returns a new API object. */
json_t *hpcnet_view_job(json_t *row, json_t *events /* borrowed, may be NULL */);
json_t *hpcnet_view_center(json_t *row);
json_t *hpcnet_view_user(json_t *row);
json_t *hpcnet_view_token(json_t *row);
/* Identity rows (orgs, projects, members, grants, audit) carry no
 * internal columns: every column as is, "*_at" and "at" ones as RFC 3339. */
json_t *hpcnet_view_row(json_t *row);
/* The same for each row of an array; a new array. */
json_t *hpcnet_view_rows(json_t *rows);
/* A whole list answer of such rows: {"items": [...], "next_cursor": null}. */
json_t *hpcnet_view_page(json_t *rows);
/* ms (borrowed JSON integer) -> RFC 3339 string, or JSON null when absent. */
json_t *hpcnet_view_time(json_t *ms);
json_t *hpcnet_view_time_ms(int64_t ms);

#endif
