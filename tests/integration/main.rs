//! Integration tests of custinsight, as one binary (see `Cargo.toml`).

mod audit;
mod churn;
mod popup;
mod profile;
