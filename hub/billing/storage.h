/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage metering: what the hub keeps for each user's jobs (their scripts
 * and files as submitted, and the output their centers shipped) is
 * integrated over time by the billing sweep into one record per user and
 * UTC day (byte-seconds; a GiB-day is 2^30 x 86 400 of them). The hub,
 * not a center, keeps these bytes, so the platform prices them: once a day
 * is over it is charged at --storage-price (minor units per GiB-day,
 * default 0: metered, not charged), rounded half up once per user and
 * day, from the user's main account to the platform's under
 * "storage:<user>:<day>", never past the credit limit. A user pays for
 * their own jobs' bytes, project jobs included.
 */
#ifndef HPCNET_BILLING_STORAGE_H
#define HPCNET_BILLING_STORAGE_H

#include <stdint.h>

struct hpcnet_db;
struct hpcnet_billing_cfg;

#define HPCNET_STORAGE_SWEEP_MS 60000 /* at most one record update a user a minute */

/* Adds what each user held since their last sweep (split at UTC
 * midnights), then charges the days that are over. Returns how many days
 * were closed, or <0. */
int hpcnet_billing_storage_sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
				 int64_t now);

#endif
