-- SPDX-License-Identifier: Apache-2.0
-- v6: soft quotas. A soft quota never refuses a submit; the scheduler
-- keeps jobs past it queued, with the reason, until the scope's placed
-- jobs leave room (hub/billing/quota.h).
ALTER TABLE quotas ADD COLUMN soft INTEGER NOT NULL DEFAULT 0;
