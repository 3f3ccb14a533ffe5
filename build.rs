//! Embeds migrations/*.sql into the extension and validates the graph they form: a malformed
//! file or graph (duplicate id, unknown parent, cycle, two bases, id over 32 characters,
//! transaction control) fails the build with a message naming the file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("migrations/ is missing") {
        let path = entry.expect("unreadable entry in migrations/").path();
        if path.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("migrations/{name}: cannot read: {e}"));
        files.push((name, path.display().to_string(), text));
    }
    files.sort();
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, _, t)| (n.as_str(), t.as_str()))
        .collect();
    if let Err(e) = revision_planner::load(&pairs) {
        panic!("invalid migration graph: migrations/{e}");
    }
    let mut out = String::from("/// Migration files embedded at build time: (file name, text), in file-name order.\npub static FILES: &[(&str, &str)] = &[\n");
    for (name, path, _) in &files {
        writeln!(out, "    ({name:?}, include_str!({path:?})),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("migrations.rs");
    std::fs::write(dest, out).unwrap();
}
