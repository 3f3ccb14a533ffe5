-- revision: add_camera_unique_constraints
-- down_revision: add_event_audits
-- message: Add unique constraints to cameras table
-- data_loss: cameras deleted by the upgrade as duplicates (same name, or same folder_path, as an older camera) are not restored by the downgrade
-- data_loss: rows removed with them through ON DELETE CASCADE (their detections, events, alerts, event_audits, zones, activity_baselines, class_baselines) are not restored either

-- migrate:upgrade
-- Keep one camera per name: the earliest created_at, then the lowest id.
DELETE FROM cameras
 WHERE id IN (
        SELECT ranked.id
          FROM (SELECT c.id,
                       row_number() OVER (PARTITION BY c.name
                                          ORDER BY c.created_at, c.id) AS rn
                  FROM cameras AS c) AS ranked
         WHERE ranked.rn > 1);

-- Then one camera per folder_path, by the same rule.
DELETE FROM cameras
 WHERE id IN (
        SELECT ranked.id
          FROM (SELECT c.id,
                       row_number() OVER (PARTITION BY c.folder_path
                                          ORDER BY c.created_at, c.id) AS rn
                  FROM cameras AS c) AS ranked
         WHERE ranked.rn > 1);

CREATE UNIQUE INDEX idx_cameras_name_unique ON cameras (name);
CREATE UNIQUE INDEX idx_cameras_folder_path_unique ON cameras (folder_path);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_cameras_folder_path_unique;
DROP INDEX IF EXISTS idx_cameras_name_unique;
