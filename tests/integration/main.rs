//! Integration tests of custinsight, as one binary (see `Cargo.toml`).

mod popup;
mod profile;
