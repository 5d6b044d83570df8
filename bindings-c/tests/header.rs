//! The checked-in header is what cbindgen generates from the sources, and
//! its version macros equal the crate version.

use std::path::Path;

fn generate() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let version = env!("CARGO_PKG_VERSION");
    let parts: Vec<&str> = version.split('.').collect();
    config.after_includes = Some(format!(
        "\n#define CUSTINSIGHT_VERSION \"{version}\"\n#define CUSTINSIGHT_VERSION_MAJOR {}\n\
         #define CUSTINSIGHT_VERSION_MINOR {}\n#define CUSTINSIGHT_VERSION_PATCH {}\n",
        parts[0], parts[1], parts[2]
    ));
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn checked_in_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/custinsight.h");
    let generated = generate();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "include/custinsight.h is stale: run `UPDATE_HEADER=1 cargo test -p custinsight-ffi --test header` and commit"
    );
}

#[test]
fn header_version_matches_the_crate() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/custinsight.h"))
        .expect("header exists");
    let expected = format!("#define CUSTINSIGHT_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(header.contains(&expected), "header lacks {expected}");
}
