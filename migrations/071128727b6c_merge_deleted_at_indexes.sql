-- revision: 071128727b6c
-- down_revision: add_deleted_at_indexes, b80664ed1373
-- message: merge_deleted_at_indexes

-- migrate:upgrade

-- migrate:downgrade
