//! `#[pg_test]`s of the SPI glue, run by `cargo pgrx test pg15`. Each test that changes state
//! works in a schema of its own (security_migrate.schema), so tests stay independent.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn use_schema(name: &str) {
        Spi::run(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; \
             SET LOCAL security_migrate.schema = '{name}'; SET LOCAL TimeZone = 'UTC'"
        ))
        .unwrap();
    }

    fn text(sql: &str) -> String {
        Spi::get_one::<String>(sql).unwrap().unwrap()
    }

    fn column(sql: &str) -> Vec<String> {
        Spi::connect(|c| {
            c.select(sql, None, &[])
                .unwrap()
                .map(|r| r.get::<String>(1).unwrap().unwrap())
                .collect()
        })
    }

    #[pg_test]
    fn heads_and_branch_points_come_from_the_embedded_graph() {
        assert_eq!(
            column("SELECT * FROM migrate_heads()"),
            ["repair_partitioned_tables"]
        );
        assert_eq!(
            Spi::get_one::<i64>("SELECT count(*) FROM migrate_branches()").unwrap(),
            Some(10)
        );
    }

    #[pg_test]
    fn upgrade_records_versions_and_current_reads_them_back() {
        use_schema("glue_up");
        assert_eq!(
            text("SELECT migrate_upgrade('add_alerts_rules')"),
            "upgraded glue_up: base -> add_alerts_rules (3 steps)"
        );
        assert_eq!(
            column("SELECT * FROM migrate_current()"),
            ["add_alerts_rules"]
        );
        assert_eq!(
            column("SELECT version_num::text FROM glue_up.alembic_version"),
            ["add_alerts_rules"]
        );
        assert!(
            Spi::get_one::<bool>("SELECT to_regclass('glue_up.alerts') IS NOT NULL")
                .unwrap()
                .unwrap()
        );
        assert_eq!(
            text("SELECT migrate_upgrade('add_alerts_rules')"),
            "already at add_alerts_rules: nothing to do"
        );
        assert_eq!(
            text("SELECT migrate_downgrade('base')"),
            "downgraded glue_up: add_alerts_rules -> base (3 steps)"
        );
        assert!(column("SELECT * FROM migrate_current()").is_empty());
    }

    #[pg_test]
    fn stamp_writes_rows_without_running_sql() {
        use_schema("glue_stamp");
        assert_eq!(
            text("SELECT migrate_stamp('add_zones_001')"),
            "stamped glue_stamp: base -> add_zones_001"
        );
        assert_eq!(column("SELECT * FROM migrate_current()"), ["add_zones_001"]);
        assert!(
            Spi::get_one::<bool>("SELECT to_regclass('glue_stamp.zones') IS NULL")
                .unwrap()
                .unwrap()
        );
        assert_eq!(
            text("SELECT migrate_stamp('base')"),
            "stamped glue_stamp: add_zones_001 -> base"
        );
    }

    #[pg_test]
    fn plan_and_offline_sql_read_but_do_not_write() {
        use_schema("glue_plan");
        assert_eq!(
            Spi::get_one::<i64>("SELECT count(*) FROM migrate_plan('head')").unwrap(),
            Some(54)
        );
        let script = text("SELECT migrate_sql('add_alerts_rules')");
        assert!(script.contains("CREATE TABLE IF NOT EXISTS \"glue_plan\".alembic_version"));
        assert!(script.contains(
            "INSERT INTO \"glue_plan\".alembic_version (version_num) VALUES ('968b0dff6a9b')"
        ));
        assert!(script.trim_end().ends_with("COMMIT;"));
        assert!(column("SELECT * FROM migrate_current()").is_empty());
    }

    #[pg_test]
    fn show_returns_header_and_sql() {
        let msg = text("SELECT message FROM migrate_show('merge_search_and_trust')");
        assert_eq!(msg, "merge search indexes and trust status heads");
        let up = text("SELECT upgrade_sql FROM migrate_show('968b')");
        assert!(up.contains("CREATE TABLE"));
    }

    #[pg_test(error = "target must not be NULL")]
    fn null_target_is_an_error() {
        Spi::run("SELECT migrate_upgrade(NULL)").unwrap();
    }

    #[pg_test(error = "revision prefix 'add_' matches 37 revisions")]
    fn ambiguous_prefix_is_an_error() {
        Spi::run("SELECT migrate_upgrade('add_')").unwrap();
    }
}
