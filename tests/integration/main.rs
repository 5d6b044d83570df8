//! Integration tests of custinsight, as one binary (see `Cargo.toml`).

mod audit;
mod churn;
mod classify;
mod popup;
mod profile;
mod repeat;
