-- SPDX-License-Identifier: Apache-2.0
-- v7: running monthly volumes for tiered prices. Summing a payer's usage
-- records at each charge made charging O(jobs that month); this keeps the
-- sum, updated in the charge's own transaction, so a charge reads one row.
CREATE TABLE usage_volumes (
	payer_kind TEXT NOT NULL,
	payer_id TEXT NOT NULL,
	center_id TEXT NOT NULL,
	resource TEXT NOT NULL,
	model TEXT NOT NULL,
	period TEXT NOT NULL,
	qty BIGINT NOT NULL,
	PRIMARY KEY (payer_kind, payer_id, center_id, resource, model, period)
);
-- Volumes of records charged before this table existed.
INSERT INTO usage_volumes (payer_kind, payer_id, center_id, resource, model, period, qty)
SELECT payer_kind, payer_id, center_id, resource, model, period, SUM(billed_qty)
FROM usage_records WHERE final = 1
GROUP BY payer_kind, payer_id, center_id, resource, model, period;
