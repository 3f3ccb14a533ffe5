-- revision: 00c8a000b44f
-- down_revision: add_gin_brin_specialized_indexes, add_time_series_partitioning
-- message: merge database optimization heads

-- migrate:upgrade

-- migrate:downgrade
