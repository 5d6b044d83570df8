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
