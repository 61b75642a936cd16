-- SPDX-License-Identifier: Apache-2.0
-- v15: when a lost job's late report was settled. The "once, whatever
-- re-sends" of a late charge (hub/billing/billing.c settle_late) looked for
-- the late ledger transaction or a cost on the hold; a late settle that
-- cost nothing left neither, so every re-sent report settled it again.
ALTER TABLE holds ADD COLUMN late_settled_at BIGINT;
UPDATE holds SET late_settled_at = settled_at
	WHERE status = 'charged' AND EXISTS (SELECT 1 FROM ledger_transactions t
		WHERE t.idempotency_key = 'charge:' || holds.job_id || ':late');
