-- revision: add_audit_logs
-- down_revision: add_zones_001
-- message: Add audit_logs table

-- migrate:upgrade
CREATE TABLE audit_logs (
    id serial NOT NULL,
    "timestamp" timestamptz NOT NULL,
    action varchar(50) NOT NULL,
    resource_type varchar(50) NOT NULL,
    resource_id varchar(255),
    actor varchar(100) NOT NULL,
    ip_address varchar(45),
    user_agent text,
    details json,
    status varchar(20) NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX idx_audit_logs_timestamp ON audit_logs ("timestamp");
CREATE INDEX idx_audit_logs_action ON audit_logs (action);
CREATE INDEX idx_audit_logs_resource_type ON audit_logs (resource_type);
CREATE INDEX idx_audit_logs_actor ON audit_logs (actor);
CREATE INDEX idx_audit_logs_status ON audit_logs (status);
CREATE INDEX idx_audit_logs_resource ON audit_logs (resource_type, resource_id);

-- migrate:downgrade
DROP INDEX IF EXISTS idx_audit_logs_resource;
DROP INDEX IF EXISTS idx_audit_logs_status;
DROP INDEX IF EXISTS idx_audit_logs_actor;
DROP INDEX IF EXISTS idx_audit_logs_resource_type;
DROP INDEX IF EXISTS idx_audit_logs_action;
DROP INDEX IF EXISTS idx_audit_logs_timestamp;
DROP TABLE audit_logs;
