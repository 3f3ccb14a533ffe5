-- revision: merge_search_and_trust
-- down_revision: add_trust_status_to_entities, 1c42824dcb07
-- message: merge search indexes and trust status heads
-- repair: added by security_migrate, not in the original chain: joins the two heads so the graph has one head

-- migrate:upgrade

-- migrate:downgrade
