-- SPDX-License-Identifier: Apache-2.0
-- v2: what real schedulers need. Jobs carry placement details (GPU model,
-- partition, account, QOS), the moment their order reached an agent (so a
-- job whose order never left the hub can be re-placed safely) and requests
-- the agent must carry out (recall, control actions). Centers keep their
-- full snapshot and a health flag from the agent.

ALTER TABLE jobs ADD COLUMN gpu_model TEXT;
ALTER TABLE jobs ADD COLUMN partition_name TEXT;
ALTER TABLE jobs ADD COLUMN account TEXT;
ALTER TABLE jobs ADD COLUMN qos TEXT;
ALTER TABLE jobs ADD COLUMN order_delivered_at BIGINT;
ALTER TABLE jobs ADD COLUMN recall_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN control_requested TEXT;

ALTER TABLE centers ADD COLUMN health TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE centers ADD COLUMN health_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE centers ADD COLUMN snapshot TEXT NOT NULL DEFAULT '{}';
ALTER TABLE centers ADD COLUMN drain_requested INTEGER NOT NULL DEFAULT 0;
