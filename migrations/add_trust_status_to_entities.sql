-- revision: add_trust_status_to_entities
-- down_revision: 071128727b6c
-- message: Add trust_status field to entities table
-- data_loss: the downgrade drops entities.trust_status, so the trust classification of entities is lost

-- migrate:upgrade
ALTER TABLE entities ADD COLUMN trust_status varchar(20) NOT NULL DEFAULT 'unknown';
CREATE INDEX idx_entities_trust_status ON entities (trust_status);
ALTER TABLE entities ADD CONSTRAINT ck_entities_trust_status
    CHECK (trust_status IN ('trusted', 'untrusted', 'unknown'));

-- migrate:downgrade
ALTER TABLE entities DROP CONSTRAINT ck_entities_trust_status;
DROP INDEX idx_entities_trust_status;
ALTER TABLE entities DROP COLUMN trust_status;
