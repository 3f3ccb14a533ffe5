-- security_migrate 0.1.0 -> 0.2.0: migrate_verify(), migrate_status(), migrate_lint(), migrate_effects(),
-- comments on every function.
-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION security_migrate UPDATE TO '0.2.0'" to load this file. \quit

/* <begin connected objects> */
-- src/api.rs:359
-- security_migrate::api::migrate_effects
CREATE  FUNCTION "migrate_effects"(
	"revision" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"revision" TEXT,  /* String */
	"action" TEXT,  /* String */
	"object" TEXT,  /* String */
	"definition" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'migrate_effects_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:342
-- security_migrate::api::migrate_lint
CREATE  FUNCTION "migrate_lint"() RETURNS TABLE (
	"severity" TEXT,  /* String */
	"kind" TEXT,  /* String */
	"object" TEXT,  /* String */
	"revision" TEXT,  /* Option < String > */
	"detail" TEXT,  /* String */
	"suggested_fix" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'migrate_lint_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:378
-- security_migrate::api::migrate_status
CREATE  FUNCTION "migrate_status"() RETURNS TABLE (
	"current" TEXT[],  /* Vec < String > */
	"head" TEXT[],  /* Vec < String > */
	"pending" INT,  /* i32 */
	"applied" INT,  /* i32 */
	"last_run_at" timestamp with time zone,  /* Option < pgrx :: datum :: TimestampWithTimeZone > */
	"last_run_by" TEXT,  /* Option < String > */
	"last_run" TEXT,  /* Option < String > */
	"checksum_mismatches" INT,  /* i32 */
	"summary" TEXT  /* String */
)
STRICT STABLE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'migrate_status_wrapper';
/* </end connected objects> */

/* <begin connected objects> */
-- src/api.rs:326
-- security_migrate::api::migrate_verify
CREATE  FUNCTION "migrate_verify"() RETURNS TABLE (
	"severity" TEXT,  /* String */
	"kind" TEXT,  /* String */
	"object" TEXT,  /* String */
	"detail" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'migrate_verify_wrapper';
/* </end connected objects> */

-- comments for pgAdmin, DBeaver and \df+
COMMENT ON FUNCTION migrate_upgrade(text) IS
'Apply every pending revision up to target (default ''head''; also a revision id or unique prefix, heads, +N, <rev>+N, <label>@head) in Alembic''s order, inside the caller''s transaction. Returns where the database now stands and how many steps ran. Example: SELECT migrate_upgrade(''head'');';
COMMENT ON FUNCTION migrate_downgrade(text) IS
'Unapply revisions down to target: base, a revision, -N, <rev>-N, or <rev>@-1 (unapply exactly that revision, also a merge). All or nothing, in the caller''s transaction. Example: SELECT migrate_downgrade(''-1'');';
COMMENT ON FUNCTION migrate_stamp(text) IS
'Record target as the database''s revision without running any migration (adopt an existing schema, repair alembic_version). Example: SELECT migrate_stamp(''add_entity_model'');';
COMMENT ON FUNCTION migrate_current() IS
'The revision(s) the database is at: one row per applied head, none at base. Example: SELECT * FROM migrate_current();';
COMMENT ON FUNCTION migrate_heads() IS
'The heads of the embedded revision graph. Example: SELECT * FROM migrate_heads();';
COMMENT ON FUNCTION migrate_branches() IS
'The branch points of the embedded revision graph (revisions with several children). Example: SELECT * FROM migrate_branches();';
COMMENT ON FUNCTION migrate_history(text) IS
'One row per revision, newest first like alembic history: revision, down_revisions, message, is_head, is_merge, is_branch_point, applied, is_current. range: NULL (all), ''A:B'', ''A:'', '':B'', ''current:''. Example: SELECT revision, applied FROM migrate_history(''base:head'');';
COMMENT ON FUNCTION migrate_show(text) IS
'One revision in full: header, parents, children, repairs, data_loss (what its downgrade cannot bring back), upgrade and downgrade SQL. Example: SELECT * FROM migrate_show(''add_time_series_partitioning'');';
COMMENT ON FUNCTION migrate_plan(text) IS
'Dry run: the steps migrate_upgrade or migrate_downgrade would take to reach target (default ''head''), with their alembic_version statements. Changes nothing. Example: SELECT * FROM migrate_plan(''base'');';
COMMENT ON FUNCTION migrate_sql(text, text) IS
'The offline script (Alembic''s --sql) from from_revision (default base) to target, upgrade or downgrade, in one transaction, for review or for psql -1 -f elsewhere. Example: SELECT migrate_sql(''head'');';
COMMENT ON FUNCTION migrate_verify() IS
'Tampering and drift report: applied revisions whose SQL no longer matches the embedded SQL (checksums), and objects the applied revisions make that the schema lacks, has in another shape, or has extra (by replaying them into a rolled-back scratch schema). Columns: severity, kind, object, detail. Example: SELECT * FROM migrate_verify();';
COMMENT ON FUNCTION migrate_lint() IS
'Signs of the damage a table rebuild or CASCADE does: objects the revision history created that a later revision removed as a side effect and nothing re-created, trigger functions no trigger uses, column types and objects that differ from what the history makes. Columns: severity, kind, object, revision, detail, suggested_fix. Replays the history in a rolled-back scratch schema. Example: SELECT * FROM migrate_lint();';
COMMENT ON FUNCTION migrate_effects(text) IS
'What each revision does to the catalog: objects created, dropped, and lost as a side effect of a rebuild or CASCADE, found by replaying the whole graph in a rolled-back scratch schema. Example: SELECT * FROM migrate_effects(''add_time_series_partitioning'') WHERE action = ''lost'';';
COMMENT ON FUNCTION migrate_status() IS
'One-glance summary: current, head, pending and applied counts, last run (when, by whom, what), checksum mismatches, and a one-line summary. Example: SELECT * FROM migrate_status();';
