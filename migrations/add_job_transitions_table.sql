-- revision: add_job_transitions
-- down_revision: add_snooze_until_column
-- message: Add job_transitions table.
-- data_loss: the downgrade drops the job_transitions table and all its rows

-- migrate:upgrade
CREATE TABLE job_transitions (
    id              uuid NOT NULL PRIMARY KEY,
    job_id          varchar(36) NOT NULL,
    from_status     varchar(50) NOT NULL,
    to_status       varchar(50) NOT NULL,
    transitioned_at timestamptz NOT NULL DEFAULT now(),
    triggered_by    varchar(50) NOT NULL DEFAULT 'worker',
    metadata_json   text
);

CREATE INDEX idx_job_transitions_job_id ON job_transitions (job_id);
CREATE INDEX idx_job_transitions_transitioned_at ON job_transitions (transitioned_at);
CREATE INDEX idx_job_transitions_job_id_transitioned_at ON job_transitions (job_id, transitioned_at);

-- migrate:downgrade
DROP INDEX idx_job_transitions_job_id_transitioned_at;
DROP INDEX idx_job_transitions_transitioned_at;
DROP INDEX idx_job_transitions_job_id;
DROP TABLE job_transitions;
