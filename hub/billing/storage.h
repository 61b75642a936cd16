/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage metering: what the hub keeps for jobs (their scripts and files
 * as submitted, and the output their centers shipped) is integrated over
 * time by the billing sweep into one record per payer and UTC day
 * (byte-seconds; a GiB-day is 2^30 x 86 400 of them). The payer is the
 * one compute follows (billing.h): a project job's org, else its user.
 * The hub, not a center, keeps these bytes, so the platform prices them:
 * once a day is over it is charged at --storage-price (minor units per
 * GiB-day, default 0: metered, not charged), rounded half up once per
 * payer and day, from the payer's main account to the platform's under
 * "storage:<payer id>:<day>", never past the credit limit (what was not
 * taken shows as uncollected on the invoice).
 *
 * The level each payer holds is kept by the store (stored_bytes,
 * migration 012), and the sweep only visits payers whose level changed
 * since it last counted them, and after midnight those holding bytes: a
 * level that did not change is counted as level x time in one step. So
 * the open day's byte-seconds are brought up to date when the level
 * changes (at most once a minute) or when the day ends.
 */
#ifndef HPCNET_BILLING_STORAGE_H
#define HPCNET_BILLING_STORAGE_H

#include <stdint.h>

struct hpcnet_db;
struct hpcnet_billing_cfg;

#define HPCNET_STORAGE_SWEEP_MS 60000 /* at most one record update a payer a minute */

/* Adds what each payer whose level changed (or whose day ended) held
 * since they were last counted (split at UTC midnights), then charges the
 * days that are over. Returns how many days were closed, or <0. */
int hpcnet_billing_storage_sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
				 int64_t now);

#endif
