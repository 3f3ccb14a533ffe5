-- revision: b80664ed1373
-- down_revision: add_alert_version_id_column, add_row_version_pv
-- message: merge migration branches

-- migrate:upgrade

-- migrate:downgrade
