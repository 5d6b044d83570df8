//! JSON Schemas of the interchange types, generated from the Rust types.
//!
//! The checked-in copies under `core/schema/` are kept equal to these by a
//! test; regenerate them with `UPDATE_SCHEMAS=1 cargo test -p custinsight schema`.

use crate::{Complaint, CustomerProfile, SourceEvent};

/// The schema of [`CustomerProfile`], pretty-printed.
pub fn profile_schema() -> String {
    pretty(schemars::schema_for!(CustomerProfile))
}

/// The schema of [`SourceEvent`], pretty-printed.
pub fn event_schema() -> String {
    pretty(schemars::schema_for!(SourceEvent))
}

/// The schema of [`Complaint`], pretty-printed.
pub fn complaint_schema() -> String {
    pretty(schemars::schema_for!(Complaint))
}

/// Every published schema: (file name, contents).
pub fn all() -> [(&'static str, String); 3] {
    [
        ("profile.schema.json", profile_schema()),
        ("event.schema.json", event_schema()),
        ("complaint.schema.json", complaint_schema()),
    ]
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The checked-in schema files are what the types generate. Run with
    /// `UPDATE_SCHEMAS=1` to rewrite them after changing a type.
    #[test]
    fn checked_in_schemas_match_the_types() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
        let mut stale = Vec::new();
        for (name, generated) in super::all() {
            let path = dir.join(name);
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            if on_disk != generated {
                if update {
                    std::fs::write(&path, &generated).expect("write schema");
                } else {
                    stale.push(name);
                }
            }
        }
        assert!(
            stale.is_empty(),
            "{stale:?} differ from the types; run `UPDATE_SCHEMAS=1 cargo test -p custinsight schema` and commit"
        );
    }

    #[test]
    fn schemas_describe_the_tagged_payload_and_money() {
        let event = super::event_schema();
        for tag in [
            "\"account\"",
            "\"complaint\"",
            "\"watch_list\"",
            "\"retention_task\"",
        ] {
            assert!(event.contains(tag), "event schema lacks {tag}");
        }
        let profile: serde_json::Value = serde_json::from_str(&super::profile_schema()).unwrap();
        assert_eq!(profile["$defs"]["Money"]["type"], "number");
        assert_eq!(profile["additionalProperties"], false);
    }
}
