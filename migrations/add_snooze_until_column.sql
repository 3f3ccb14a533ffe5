-- revision: add_snooze_until_column
-- down_revision: add_entity_model
-- message: Add snooze_until column to events table for alert snooze
-- data_loss: the downgrade drops events.snooze_until, so snooze times are lost

-- migrate:upgrade
ALTER TABLE events ADD COLUMN snooze_until timestamptz;

-- migrate:downgrade
ALTER TABLE events DROP COLUMN snooze_until;
