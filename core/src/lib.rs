//! # custinsight
//!
//! Customer insight for the service systems of telecom and cable operators:
//! one embeddable library that
//!
//! 1. merges billing, CRM, network-element, online-shop, retention and
//!    contact-channel records into a **unified customer profile**
//!    ([`CustomerProfile`], built by [`ProfileBuilder`] from [`SourceEvent`]s);
//! 2. predicts **why a customer is calling and what to offer** (the call
//!    pop-up, [`popup`], with the churn model of [`churn`]);
//! 3. **classifies complaint text** (Chinese, English, mixed) into a
//!    [`Taxonomy`] with the work group, signals, a [`Severity`] and a
//!    calibrated confidence ([`Classifier`], module [`classify`]: a built-in
//!    model for the specification's 24 categories, training, evaluation);
//! 4. **detects repeat complaints** at intake and in batch ([`repeat`]);
//! 5. **audits cross-system consistency** ([`audit`]).
//!
//! The product definition these follow is the domain specification
//! (taxonomy, repeat semantics, opportunity kinds, audit rules).
//!
//! ## Design
//!
//! * Pure: no I/O, no global state, no `unsafe`. Callers (the C and Python
//!   bindings, Rust applications) own files and sockets.
//! * JSON is the interchange format of every binding; the JSON Schemas of the
//!   profile, event and complaint types are generated from these types
//!   ([`schema`]).
//! * Deterministic: the same input gives the same output on every run and in
//!   any event order.
//! * Every public type is `Send + Sync`; builders take `&mut self`, read-only
//!   values can be shared freely across threads.
//!
//! ## Errors
//!
//! Every fallible function returns [`Error`], whose message names the field,
//! row or offset that was wrong, and whose [`Error::kind`] is the stable
//! category the C status codes and Python exceptions are mapped from.
//!
//! ## Example
//!
//! ```
//! use custinsight::{ProfileBuilder, SourceEvent};
//!
//! let events = [
//!     r#"{"event_id": "b1", "source": "billing", "at": "2026-11-01T08:00:00Z",
//!         "customer_id": "C1", "phone": "+86 138 1234 5678",
//!         "payload": {"type": "account", "balance": 12.5, "recurring_fee": 58}}"#,
//!     r#"{"event_id": "c1", "source": "contact_channel", "at": "2026-11-02T09:00:00Z",
//!         "phone": "13812345678",
//!         "payload": {"type": "contact", "id": "K1", "channel": "hotline",
//!                     "at": "2026-11-02T09:00:00Z", "reason": "balance enquiry"}}"#,
//! ];
//! let mut builder = ProfileBuilder::new();
//! for json in events {
//!     builder.add(SourceEvent::from_json(json)?)?;
//! }
//! let profiles = builder.build();
//! assert_eq!(profiles.len(), 1);
//! assert_eq!(profiles[0].customer_id.as_deref(), Some("C1"));
//! assert_eq!(profiles[0].contacts.len(), 1);
//! # Ok::<(), custinsight::Error>(())
//! ```

pub mod audit;
mod builder;
mod channel;
pub mod churn;
pub mod classify;
mod complaint;
mod distinct;
mod engine;
mod envelope;
mod error;
mod event;
mod money;
mod phone;
pub mod popup;
mod profile;
pub mod repeat;
pub mod schema;
pub mod synth;
mod taxonomy;
pub mod text;
mod validate;

pub use builder::{BuildReport, ProfileBuilder};
pub use channel::{Channel, ChannelTier};
pub use churn::ChurnModel;
pub use classify::{Classification, Classifier, CompactClassification};
pub use complaint::{Complaint, ComplaintRef, ComplaintRows, ComplaintStatus};
pub use engine::{ComplaintIntake, Engine, EngineBuilder, EngineConfig};
pub use error::{from_json, Error, ErrorKind, Result};
pub use event::{AccountUpdate, EventPayload, IdentityUpdate, SourceEvent};
pub use money::Money;
pub use phone::normalize_phone;
pub use popup::{pop_up, Opportunity, OpportunityKind, PopUp, PopUpConfig};
pub use profile::{
    Account, AccountStatus, AnomalyCode, AuditAnomaly, Bill, Contact, CustomerProfile, HandledBy, Identity,
    MonthlyUsage, OnlineOrder, OrderStatus, Payment, PaymentType, Plan, RetentionTask, Segment, SourceSystem,
    Tags, TaskStatus, ValueTier, WatchListMembership,
};
pub use repeat::{RepeatConfig, RepeatDetector, RepeatKind};
pub use taxonomy::{level1, validate_category_code, CategoryDef, Severity, Signal, Taxonomy};

/// The library version, e.g. `"0.1.0"`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
