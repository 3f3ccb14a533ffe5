//! `#[pg_test]`s of the SPI glue, run by `cargo pgrx test pg15`.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn heads_is_one_merge() {
        let heads: Vec<String> = Spi::connect(|c| {
            c.select("SELECT * FROM migrate_heads()", None, &[])
                .unwrap()
                .map(|r| r.get::<String>(1).unwrap().unwrap())
                .collect()
        });
        assert_eq!(heads, vec!["merge_search_and_trust".to_string()]);
    }
}
