//! Deterministic synthetic customers, events and complaint histories.
