//! The call pop-up: each kind's firing boundary (just inside, at, just
//! outside), suppression, ranking, call intents, configuration round trips,
//! and properties over synthetic customers.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use custinsight::churn::{ChurnModel, Dataset, TrainParams};
use custinsight::popup::{
    pop_up, pop_up_batch, push_lists, CallReason, OpportunityKind, PopUp, PopUpConfig, SuppressionReason,
};
use custinsight::synth::{Population, SynthConfig};
use custinsight::{
    AccountStatus, AnomalyCode, AuditAnomaly, Bill, Channel, Complaint, ComplaintStatus, Contact,
    CustomerProfile, HandledBy, Money, MonthlyUsage, OnlineOrder, OrderStatus, PaymentType, ProfileBuilder,
    RetentionTask, Severity, Signal, SourceSystem, TaskStatus, WatchListMembership,
};
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    "2026-11-20T09:00:00Z".parse().unwrap()
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// A quiet customer: nothing fires.
fn quiet() -> CustomerProfile {
    let mut profile = CustomerProfile {
        customer_id: Some("C1".to_owned()),
        ..CustomerProfile::default()
    };
    profile.account.balance = Money::from_major(500);
    profile.account.recurring_fee = Money::from_major(58);
    profile.account.service_password_changed = true;
    profile.identity.joined_at = Some(now() - days(400));
    profile
}

fn run(profile: &CustomerProfile) -> PopUp {
    pop_up(profile, now(), &PopUpConfig::default(), None)
}

fn fires(profile: &CustomerProfile, kind: OpportunityKind) -> bool {
    let popup = pop_up(
        profile,
        now(),
        &PopUpConfig {
            top_n: usize::MAX,
            ..PopUpConfig::default()
        },
        None,
    );
    popup.get(kind).is_some()
}

fn complaint(id: &str, received: DateTime<Utc>, status: ComplaintStatus) -> Complaint {
    Complaint {
        id: id.to_owned(),
        customer_id: Some("C1".to_owned()),
        phone: None,
        received_at: received,
        channel: Channel::Hotline,
        category: Some("billing.unknown_charge".to_owned()),
        text: None,
        status,
        closed_at: (status == ComplaintStatus::Closed).then_some(received + days(1)),
        severity: None,
        signals: Vec::new(),
    }
}

fn contact(id: &str, at: DateTime<Utc>, channel: Channel, handled_by: HandledBy) -> Contact {
    Contact {
        id: id.to_owned(),
        channel,
        at,
        reason: Some("balance enquiry".to_owned()),
        handled_by,
        agent_id: None,
        related_id: None,
    }
}

fn bill(id: &str, issued: DateTime<Utc>, amount: i64) -> Bill {
    Bill {
        id: id.to_owned(),
        cycle_start: issued.date_naive(),
        issued_at: issued,
        due_at: None,
        amount: Money::from_minor(amount),
        roaming_amount: Money::ZERO,
        paid: true,
    }
}

fn usage(cycle: &str, data_mb: u64) -> MonthlyUsage {
    MonthlyUsage {
        cycle_start: cycle.parse::<NaiveDate>().unwrap(),
        data_mb,
        voice_minutes: 100,
        sms: 10,
        data_allowance_mb: Some(10_000),
        voice_allowance_minutes: Some(500),
        sms_allowance: None,
        roaming_charges: Money::ZERO,
    }
}

#[test]
fn a_quiet_customer_gets_no_opportunity_and_other_takes_all_intent() {
    let popup = run(&quiet());
    assert!(popup.opportunities.is_empty(), "{:?}", popup.opportunities);
    assert_eq!(popup.call_intents.len(), 1);
    assert_eq!(popup.call_intents[0].reason, CallReason::Other);
    assert_eq!(popup.call_intents[0].probability, 1.0);
}

#[test]
fn low_balance_fires_strictly_below_the_fee() {
    let mut profile = quiet();
    profile.account.balance = Money::from_minor(5799);
    assert!(fires(&profile, OpportunityKind::LowBalance));
    let opportunity = run(&profile).opportunities[0].clone();
    assert_eq!(opportunity.kind, OpportunityKind::LowBalance);
    assert!(opportunity.script.zh.contains("57.99") && opportunity.script.zh.contains("58.00"));
    assert!(opportunity.script.en.contains("57.99") && opportunity.script.en.contains("0.01 short"));
    assert_eq!(opportunity.evidence[0].field, "account.balance");
    assert_eq!(opportunity.call_reason, CallReason::BillingQuestion);
    profile.account.balance = Money::from_minor(5800);
    assert!(
        !fires(&profile, OpportunityKind::LowBalance),
        "at the fee is not below it"
    );
    // The credit limit counts as spendable.
    profile.account.balance = Money::from_major(-10);
    profile.account.credit_limit = Money::from_major(100);
    assert!(!fires(&profile, OpportunityKind::LowBalance));
}

#[test]
fn suspension_imminent_fires_within_three_days_inclusive() {
    let mut profile = quiet();
    profile.account.recurring_fee = Money::from_major(30); // 1.00 a day over a 30-day cycle
    profile.account.balance = Money::from_minor(300);
    assert!(
        fires(&profile, OpportunityKind::SuspensionImminent),
        "exactly 3 days"
    );
    profile.account.balance = Money::from_minor(299);
    assert!(fires(&profile, OpportunityKind::SuspensionImminent));
    profile.account.balance = Money::from_minor(301);
    assert!(!fires(&profile, OpportunityKind::SuspensionImminent));
    // Not for an account already suspended: that is the suspended kind.
    profile.account.balance = Money::from_minor(-100);
    profile.account.status = AccountStatus::Suspended;
    assert!(!fires(&profile, OpportunityKind::SuspensionImminent));
    assert!(fires(&profile, OpportunityKind::Suspended));
}

#[test]
fn suspended_fires_for_suspended_and_half_suspended_only() {
    let mut profile = quiet();
    for (status, expected) in [
        (AccountStatus::Suspended, true),
        (AccountStatus::HalfSuspended, true),
        (AccountStatus::Active, false),
        (AccountStatus::Cancelled, false),
    ] {
        profile.account.status = status;
        assert_eq!(
            fires(&profile, OpportunityKind::Suspended),
            expected,
            "{status:?}"
        );
    }
    profile.account.status = AccountStatus::Suspended;
    profile.account.balance = Money::from_minor(-4250);
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::Suspended).unwrap();
    assert!(
        opportunity.script.zh.contains("42.50"),
        "{}",
        opportunity.script.zh
    );
    assert_eq!(popup.call_intents[0].reason, CallReason::Suspension);
}

#[test]
fn roaming_bill_fires_on_current_cycle_charges_bills_or_roaming_list() {
    let mut profile = quiet();
    let mut old = usage("2026-09-01", 0);
    old.roaming_charges = Money::from_major(80);
    profile.usage = vec![old, usage("2026-11-01", 0)];
    assert!(
        !fires(&profile, OpportunityKind::RoamingBill),
        "only the current cycle counts"
    );
    profile.usage[1].roaming_charges = Money::from_minor(1);
    assert!(fires(&profile, OpportunityKind::RoamingBill));
    profile.usage[1].roaming_charges = Money::ZERO;
    let mut current = bill("B9", now() - days(5), 20_000);
    current.roaming_amount = Money::from_major(120);
    profile.bills = vec![current];
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::RoamingBill).unwrap();
    assert!(opportunity.script.en.contains("B9") && opportunity.script.en.contains("120.00"));
    assert_eq!(opportunity.call_reason, CallReason::Roaming);
    profile.bills.clear();
    profile.watch_lists = vec![WatchListMembership {
        list: "roaming".to_owned(),
        added_at: now() - days(2),
        guidance: None,
        removed_at: None,
    }];
    assert!(fires(&profile, OpportunityKind::RoamingBill));
    assert!(
        !fires(&profile, OpportunityKind::WatchList),
        "roaming lists belong to roaming_bill"
    );
    profile.watch_lists[0].removed_at = Some(now() - days(1));
    assert!(!fires(&profile, OpportunityKind::RoamingBill));
}

#[test]
fn new_user_first_call_fires_within_30_days_without_earlier_hotline_contact() {
    let mut profile = quiet();
    profile.identity.joined_at = Some(now() - days(30));
    assert!(
        fires(&profile, OpportunityKind::NewUserFirstCall),
        "exactly 30 days"
    );
    profile.identity.joined_at = Some(now() - days(30) - secs(1));
    assert!(!fires(&profile, OpportunityKind::NewUserFirstCall));
    profile.identity.joined_at = Some(now() - days(3));
    profile.contacts = vec![contact(
        "K1",
        now() - days(1),
        Channel::App,
        HandledBy::SelfService,
    )];
    assert!(
        fires(&profile, OpportunityKind::NewUserFirstCall),
        "an app contact is not a hotline call"
    );
    profile
        .contacts
        .push(contact("K2", now() - days(1), Channel::Hotline, HandledBy::Agent));
    assert!(!fires(&profile, OpportunityKind::NewUserFirstCall));
}

#[test]
fn default_password_fires_within_90_days_until_changed() {
    let mut profile = quiet();
    profile.account.service_password_changed = false;
    profile.identity.joined_at = Some(now() - days(90));
    assert!(fires(&profile, OpportunityKind::DefaultPassword));
    profile.identity.joined_at = Some(now() - days(90) - secs(1));
    assert!(!fires(&profile, OpportunityKind::DefaultPassword));
    profile.identity.joined_at = Some(now() - days(10));
    profile.account.service_password_changed = true;
    assert!(!fires(&profile, OpportunityKind::DefaultPassword));
}

#[test]
fn frequent_caller_counts_person_handled_contacts_in_the_last_30_days() {
    let mut profile = quiet();
    profile.contacts = vec![
        contact("K1", now() - days(30), Channel::Hotline, HandledBy::Agent),
        contact("K2", now() - days(10), Channel::Store, HandledBy::Agent),
        contact("K3", now() - days(5), Channel::Ivr, HandledBy::SelfService),
        contact("K4", now() - days(1), Channel::App, HandledBy::SelfService),
    ];
    assert!(!fires(&profile, OpportunityKind::FrequentCaller), "2 by a person");
    profile.contacts.push(contact(
        "K5",
        now() - days(2),
        Channel::OnlineChat,
        HandledBy::Agent,
    ));
    assert!(
        fires(&profile, OpportunityKind::FrequentCaller),
        "3, one exactly 30 days ago"
    );
    profile.contacts[0].at = now() - days(30) - secs(1);
    assert!(!fires(&profile, OpportunityKind::FrequentCaller));
}

fn anomaly(resolved: Option<DateTime<Utc>>) -> AuditAnomaly {
    AuditAnomaly {
        id: "A1".to_owned(),
        code: AnomalyCode::ChargedNotProvisioned,
        systems: vec![SourceSystem::Billing, SourceSystem::NetworkElement],
        detail: Some("VAS music pack charged 10.00, not provisioned".to_owned()),
        severity: Severity::High,
        detected_at: now() - days(2),
        resolved_at: resolved,
    }
}

#[test]
fn audit_anomaly_fires_while_open() {
    let mut profile = quiet();
    profile.audit_anomalies = vec![anomaly(None)];
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::AuditAnomaly).unwrap();
    assert!(opportunity.script.en.contains("music pack"));
    assert_eq!(opportunity.subject_id.as_deref(), Some("A1"));
    profile.audit_anomalies = vec![anomaly(Some(now() - days(1)))];
    assert!(!fires(&profile, OpportunityKind::AuditAnomaly));
}

#[test]
fn open_complaint_fires_for_open_tickets_only() {
    let mut profile = quiet();
    profile.complaints = vec![complaint("T1", now() - days(3), ComplaintStatus::Closed)];
    assert!(!fires(&profile, OpportunityKind::OpenComplaint));
    profile
        .complaints
        .push(complaint("T2", now() - days(2), ComplaintStatus::Open));
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::OpenComplaint).unwrap();
    assert!(opportunity.script.zh.contains("T2"));
    assert_eq!(popup.call_intents[0].reason, CallReason::ComplaintFollowUp);
}

#[test]
fn escalation_risk_fires_from_12_days_open_or_with_repeat_or_second_history() {
    let mut profile = quiet();
    profile.complaints = vec![complaint("T1", now() - days(12) + secs(1), ComplaintStatus::Open)];
    assert!(!fires(&profile, OpportunityKind::EscalationRisk));
    profile.complaints = vec![complaint("T1", now() - days(12), ComplaintStatus::Open)];
    assert!(fires(&profile, OpportunityKind::EscalationRisk));
    profile.complaints = vec![complaint("T1", now() - days(16), ComplaintStatus::Open)];
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::EscalationRisk).unwrap();
    assert!(
        opportunity.guidance.en.contains("may now appeal"),
        "{}",
        opportunity.guidance.en
    );
    assert!(opportunity.score > popup.get(OpportunityKind::OpenComplaint).unwrap().score - 1e-9);
    // A fresh complaint with a closed one on the same issue: second complaint.
    profile.complaints = vec![
        complaint("T0", now() - days(20), ComplaintStatus::Closed),
        complaint("T1", now() - days(1), ComplaintStatus::Open),
    ];
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::EscalationRisk).unwrap();
    assert!(opportunity.guidance.en.contains("second complaint"));
    assert!(opportunity.evidence.iter().any(|e| e.value.contains("T0")));
    // Another category: no history.
    profile.complaints[0].category = Some("network.coverage".to_owned());
    assert!(!fires(&profile, OpportunityKind::EscalationRisk));
}

#[test]
fn pending_order_fires_for_unfinished_orders_and_ranks_late_ones_higher() {
    let mut profile = quiet();
    let mut order = OnlineOrder {
        id: "O1".to_owned(),
        item: Some("iPhone 17".to_owned()),
        placed_at: now() - days(5),
        status: OrderStatus::Completed,
        promised_by: Some(now() + days(1)),
    };
    profile.orders = vec![order.clone()];
    assert!(!fires(&profile, OpportunityKind::PendingOrder));
    order.status = OrderStatus::Shipped;
    profile.orders = vec![order.clone()];
    let on_time = run(&profile).get(OpportunityKind::PendingOrder).unwrap().score;
    order.promised_by = Some(now() - secs(1));
    profile.orders = vec![order];
    let popup = run(&profile);
    let late = popup.get(OpportunityKind::PendingOrder).unwrap();
    assert!(late.score > on_time);
    assert!(late.script.en.contains("iPhone 17") && late.script.en.contains("late"));
}

fn task() -> RetentionTask {
    RetentionTask {
        id: "R1".to_owned(),
        list: "high_value_2026q4".to_owned(),
        offer: Some("20 GB extra data for 6 months".to_owned()),
        script: None,
        created_at: now() - days(10),
        expires_at: Some(now() + days(20)),
        status: TaskStatus::Open,
    }
}

#[test]
fn retention_task_is_held_back_when_another_channel_contacted_within_7_days() {
    let mut profile = quiet();
    profile.retention_tasks = vec![task()];
    assert!(fires(&profile, OpportunityKind::RetentionTask));
    let mut call = contact("K1", now() - days(7), Channel::AccountManager, HandledBy::Agent);
    call.related_id = Some("R1".to_owned());
    profile.contacts = vec![call];
    let popup = run(&profile);
    assert!(popup.get(OpportunityKind::RetentionTask).is_none());
    assert_eq!(popup.suppressed.len(), 1);
    assert_eq!(popup.suppressed[0].reason, SuppressionReason::RetentionCooldown);
    assert_eq!(popup.suppressed[0].because_of.as_deref(), Some("K1"));
    profile.contacts[0].at = now() - days(7) - secs(1);
    assert!(fires(&profile, OpportunityKind::RetentionTask), "cooldown over");
    profile.contacts[0].at = now() - days(1);
    profile.contacts[0].channel = Channel::Hotline;
    assert!(
        fires(&profile, OpportunityKind::RetentionTask),
        "the pop-up's own channel"
    );
    profile.contacts.clear();
    profile.retention_tasks[0].status = TaskStatus::Declined;
    assert!(!fires(&profile, OpportunityKind::RetentionTask));
}

fn toy_model() -> ChurnModel {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for i in 0..400 {
        let complained = f64::from(u8::from(i % 3 == 0));
        rows.extend([complained, f64::from(i % 50)]);
        labels.push(complained == 1.0 && i % 7 != 0);
    }
    let data = Dataset::new(
        vec!["complained".to_owned(), "tenure_months".to_owned()],
        rows,
        labels,
    )
    .unwrap();
    ChurnModel::train(
        &data,
        &TrainParams {
            trees: 30,
            ..TrainParams::default()
        },
    )
    .unwrap()
}

#[test]
fn churn_risk_fires_strictly_above_the_threshold_and_explains_itself() {
    let model = toy_model();
    let mut profile = quiet();
    profile.complaints = vec![complaint("T1", now() - days(60), ComplaintStatus::Closed)];
    let probability = model.predict_profile(&profile, now());
    assert!(probability > 0.5, "{probability}");
    let mut config = PopUpConfig::default();
    let popup = pop_up(&profile, now(), &config, Some(&model));
    assert_eq!(popup.churn_probability, Some(probability));
    let opportunity = popup.get(OpportunityKind::ChurnRisk).unwrap();
    assert_eq!(opportunity.score, probability);
    assert!(opportunity.evidence.iter().any(|e| e.field == "churn.complained"));
    config.churn_risk.threshold = probability;
    assert!(pop_up(&profile, now(), &config, Some(&model))
        .get(OpportunityKind::ChurnRisk)
        .is_none());
    config.churn_risk.threshold = probability - 1e-9;
    assert!(pop_up(&profile, now(), &config, Some(&model))
        .get(OpportunityKind::ChurnRisk)
        .is_some());
    assert!(
        run(&profile).get(OpportunityKind::ChurnRisk).is_none(),
        "no model, no churn kind"
    );
}

fn heavy_user() -> CustomerProfile {
    let mut profile = quiet();
    // Complete cycles: Aug, Sep, Oct; November is still running on Nov 20.
    profile.usage = vec![
        usage("2026-07-01", 20_000),
        usage("2026-08-01", 12_000),
        usage("2026-09-01", 9_000),
        usage("2026-10-01", 10_001),
        usage("2026-11-01", 50_000),
    ];
    profile
}

#[test]
fn plan_upgrade_needs_2_of_the_last_3_complete_cycles_over_the_allowance() {
    let mut profile = heavy_user();
    assert!(fires(&profile, OpportunityKind::PlanUpgrade), "Aug and Oct over");
    profile.usage[3].data_mb = 10_000; // at the allowance is not over it
    assert!(
        !fires(&profile, OpportunityKind::PlanUpgrade),
        "July is not among the last 3; Nov is running"
    );
    profile.usage[3].voice_minutes = 501;
    assert!(fires(&profile, OpportunityKind::PlanUpgrade), "voice counts too");
}

#[test]
fn marketing_is_suppressed_by_open_or_recent_critical_complaints() {
    let mut profile = heavy_user();
    profile.account.contract_end = Some(now() + days(10));
    assert!(fires(&profile, OpportunityKind::PlanUpgrade));
    assert!(fires(&profile, OpportunityKind::ContractExpiring));
    profile.complaints = vec![complaint("T1", now() - days(40), ComplaintStatus::Open)];
    let popup = run(&profile);
    assert!(popup.get(OpportunityKind::PlanUpgrade).is_none());
    assert!(popup.get(OpportunityKind::ContractExpiring).is_none());
    assert!(popup
        .suppressed
        .iter()
        .all(|s| s.reason == SuppressionReason::OpenComplaint && s.because_of.as_deref() == Some("T1")));
    assert_eq!(popup.suppressed.len(), 2);
    // A closed critical complaint exactly 7 days ago still suppresses...
    let mut critical = complaint("T2", now() - days(7), ComplaintStatus::Closed);
    critical.signals = vec![Signal::Regulator];
    profile.complaints = vec![critical];
    let popup = run(&profile);
    assert!(popup.get(OpportunityKind::PlanUpgrade).is_none());
    assert_eq!(
        popup.suppressed[0].reason,
        SuppressionReason::RecentCriticalComplaint
    );
    // ... one second older does not, nor does a non-critical one.
    profile.complaints[0].received_at = now() - days(7) - secs(1);
    assert!(fires(&profile, OpportunityKind::PlanUpgrade));
    profile.complaints[0].received_at = now() - days(1);
    profile.complaints[0].signals.clear();
    profile.complaints[0].severity = Some(Severity::High);
    assert!(fires(&profile, OpportunityKind::PlanUpgrade));
}

#[test]
fn contract_expiring_fires_within_30_days_ahead() {
    let mut profile = quiet();
    for (end, expected) in [
        (now() + days(30), true),
        (now() + days(30) + secs(1), false),
        (now(), true),
        (now() - secs(1), false),
    ] {
        profile.account.contract_end = Some(end);
        assert_eq!(
            fires(&profile, OpportunityKind::ContractExpiring),
            expected,
            "{end}"
        );
    }
}

#[test]
fn bill_shock_fires_at_one_and_a_half_times_the_three_before() {
    let mut profile = quiet();
    profile.bills = vec![
        bill("B1", now() - days(100), 90_000), // older than the 3 before: ignored
        bill("B2", now() - days(80), 10_000),
        bill("B3", now() - days(50), 10_000),
        bill("B4", now() - days(20), 10_000),
        bill("B5", now() - days(1), 15_000),
        bill("B6", now() + days(1), 1), // not issued yet
    ];
    let popup = run(&profile);
    let opportunity = popup.get(OpportunityKind::BillShock).expect("exactly 1.5 times");
    assert_eq!(opportunity.subject_id.as_deref(), Some("B5"));
    assert!(opportunity.script.en.contains("150.00") && opportunity.script.en.contains("100.00"));
    profile.bills[4].amount = Money::from_minor(14_999);
    assert!(!fires(&profile, OpportunityKind::BillShock));
    profile.bills[4].amount = Money::from_minor(15_001);
    assert!(fires(&profile, OpportunityKind::BillShock));
    profile.bills.drain(0..2); // only 2 before the current one
    assert!(!fires(&profile, OpportunityKind::BillShock));
}

#[test]
fn watch_list_fires_with_the_lists_guidance() {
    let mut profile = quiet();
    profile.watch_lists = vec![WatchListMembership {
        list: "5g_upgrade".to_owned(),
        added_at: now() - days(3),
        guidance: Some("Offer the free 5G SIM swap.".to_owned()),
        removed_at: None,
    }];
    let popup = run(&profile);
    assert_eq!(
        popup.get(OpportunityKind::WatchList).unwrap().guidance.en,
        "Offer the free 5G SIM swap."
    );
    let mut config = PopUpConfig::default();
    config.watch_list.lists = vec!["other".to_owned()];
    assert!(pop_up(&profile, now(), &config, None)
        .get(OpportunityKind::WatchList)
        .is_none());
}

/// A customer on whom most kinds fire at once.
fn busy() -> CustomerProfile {
    let mut profile = heavy_user();
    profile.account.balance = Money::from_major(2);
    profile.account.contract_end = Some(now() + days(5));
    profile.account.service_password_changed = false;
    profile.identity.joined_at = Some(now() - days(20));
    profile.complaints = vec![complaint("T1", now() - days(13), ComplaintStatus::Open)];
    profile.audit_anomalies = vec![anomaly(None)];
    profile.retention_tasks = vec![task()];
    profile.contacts = (0..4)
        .map(|i| {
            let mut call = contact(
                &format!("K{i}"),
                now() - days(i + 1),
                Channel::Store,
                HandledBy::Agent,
            );
            call.related_id = Some("T1".to_owned());
            call
        })
        .collect();
    profile
}

#[test]
fn ranking_is_sorted_duplicate_free_and_cut_at_top_n() {
    let profile = busy();
    let popup = run(&profile);
    assert_eq!(popup.opportunities.len(), 5);
    let all = pop_up(
        &profile,
        now(),
        &PopUpConfig {
            top_n: 100,
            ..PopUpConfig::default()
        },
        None,
    );
    assert!(all.opportunities.len() > 5);
    assert_eq!(&all.opportunities[..5], &popup.opportunities[..]);
    for pair in all.opportunities.windows(2) {
        assert!(pair[0].score >= pair[1].score);
        assert_ne!(pair[0].kind, pair[1].kind);
    }
    let mut kinds: Vec<_> = all.opportunities.iter().map(|o| o.kind).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), all.opportunities.len());
    // Complaint follow-up is the most likely reason: open ticket, escalation
    // risk and four recent contacts about it.
    assert_eq!(popup.call_intents[0].reason, CallReason::ComplaintFollowUp);
}

#[test]
fn weights_scale_scores_and_reorder() {
    let profile = busy();
    let mut config = PopUpConfig {
        top_n: 100,
        ..PopUpConfig::default()
    };
    config.default_password.weight = 10.0;
    let popup = pop_up(&profile, now(), &config, None);
    assert_eq!(popup.opportunities[0].kind, OpportunityKind::DefaultPassword);
    assert_eq!(popup.opportunities[0].score, 1.0, "clamped");
    config.default_password.weight = 0.0;
    let popup = pop_up(&profile, now(), &config, None);
    assert_eq!(popup.get(OpportunityKind::DefaultPassword).unwrap().score, 0.0);
}

#[test]
fn disabling_a_kind_removes_exactly_that_kind() {
    let profile = busy();
    let base = PopUpConfig {
        top_n: 100,
        ..PopUpConfig::default()
    };
    let all = pop_up(&profile, now(), &base, None);
    for kind in OpportunityKind::ALL {
        let mut config = base.clone();
        config.set_enabled(kind, false);
        assert_eq!(config.switch(kind), (false, 1.0));
        let popup = pop_up(&profile, now(), &config, None);
        let expected: Vec<_> = all
            .opportunities
            .iter()
            .filter(|o| o.kind != kind)
            .cloned()
            .collect();
        assert_eq!(popup.opportunities, expected, "{kind:?}");
    }
}

#[test]
fn configuration_round_trips_through_json_and_toml_with_spec_defaults() {
    let config = PopUpConfig::default();
    assert_eq!(config.suspension_imminent.days, 3);
    assert_eq!(config.new_user_first_call.days, 30);
    assert_eq!(config.default_password.days, 90);
    assert_eq!(
        (config.frequent_caller.min_contacts, config.frequent_caller.days),
        (3, 30)
    );
    assert_eq!(config.retention_task.cooldown_days, 7);
    assert_eq!(
        (config.plan_upgrade.min_months, config.plan_upgrade.months),
        (2, 3)
    );
    assert_eq!(config.contract_expiring.days, 30);
    assert_eq!((config.bill_shock.factor, config.bill_shock.previous), (1.5, 3));
    assert_eq!(config.escalation_risk.appeal_days, 15);
    assert_eq!(config.suppression.critical_days, 7);
    assert_eq!(
        config.suppression.marketing_kinds,
        vec![OpportunityKind::PlanUpgrade, OpportunityKind::ContractExpiring]
    );
    assert_eq!(PopUpConfig::from_json("{}").unwrap(), config);
    assert_eq!(PopUpConfig::from_toml("").unwrap(), config);

    let mut changed = config.clone();
    changed.top_n = 3;
    changed.bill_shock.factor = 2.0;
    changed.watch_list.lists = vec!["5g".to_owned()];
    changed.set_enabled(OpportunityKind::DefaultPassword, false);
    changed.churn_risk.weight = 0.5;
    assert_eq!(PopUpConfig::from_json(&changed.to_json()).unwrap(), changed);
    assert_eq!(PopUpConfig::from_toml(&changed.to_toml()).unwrap(), changed);
    let toml = "top_n = 2\nchannel = \"online_chat\"\n[default_password]\nenabled = false\n";
    let parsed = PopUpConfig::from_toml(toml).unwrap();
    assert_eq!((parsed.top_n, parsed.channel), (2, Channel::OnlineChat));
    assert!(!parsed.default_password.enabled);
}

#[test]
fn configuration_errors_name_the_key() {
    let err = PopUpConfig::from_json(r#"{"bill_shock": {"factr": 2}}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("factr"), "{err}");
    let err = PopUpConfig::from_toml("[bill_shock]\nfactor = -1.0\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("bill_shock.factor"), "{err}");
    let err = PopUpConfig::from_json(r#"{"low_balance": {"weight": -1}}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("low_balance.weight"), "{err}");
    let err = PopUpConfig::from_toml("top_n = 0").unwrap_err();
    assert_eq!(err.kind(), custinsight::ErrorKind::Config);
    let err = PopUpConfig::from_toml("top_n = [").unwrap_err();
    assert_eq!(err.kind(), custinsight::ErrorKind::InvalidInput);
}

fn synthetic_profiles(customers: u64) -> (Vec<CustomerProfile>, DateTime<Utc>) {
    let config = SynthConfig {
        customers,
        complainer_share: 0.4,
        ..SynthConfig::default()
    };
    let population = Population::new(config.clone());
    let mut builder = ProfileBuilder::new();
    for event in population.events() {
        builder.add(event).expect("synthetic events are valid");
    }
    (builder.build(), config.now)
}

#[test]
fn batch_answers_equal_one_by_one_answers_and_push_lists_follow_them() {
    let (profiles, at) = synthetic_profiles(300);
    let config = PopUpConfig::default();
    let batch = pop_up_batch(&profiles, at, &config, None);
    assert_eq!(batch.len(), profiles.len());
    for (profile, popup) in profiles.iter().zip(&batch) {
        assert_eq!(&pop_up(profile, at, &config, None), popup);
    }
    let fired: usize = batch.iter().map(|p| p.opportunities.len()).sum();
    assert!(
        fired > 100,
        "synthetic customers should fire opportunities: {fired}"
    );
    let lists = push_lists(&profiles, at, &config, None);
    assert!(
        !lists.remind.is_empty() && !lists.call_back.is_empty(),
        "{lists:?}"
    );
    let mut sorted = lists.call_back.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, lists.call_back);
    for id in &lists.call_back {
        let profile = profiles
            .iter()
            .find(|p| p.customer_id.as_ref() == Some(id))
            .unwrap();
        let popup = pop_up(
            profile,
            at,
            &PopUpConfig {
                top_n: 100,
                ..config.clone()
            },
            None,
        );
        assert!(popup.opportunities.iter().any(|o| matches!(
            o.kind,
            OpportunityKind::OpenComplaint
                | OpportunityKind::EscalationRisk
                | OpportunityKind::AuditAnomaly
                | OpportunityKind::PendingOrder
        )));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn scores_intents_and_order_hold_for_any_customer(
        seed in 0u64..1_000_000,
        offset_days in -40i64..40,
        top_n in 1usize..20,
        balance in -10_000i64..20_000,
        payment_postpaid in any::<bool>(),
    ) {
        let population = Population::new(SynthConfig { seed, customers: 3, complainer_share: 0.6, ..SynthConfig::default() });
        let mut builder = ProfileBuilder::new();
        for event in population.events() {
            builder.add(event).unwrap();
        }
        let at = population.config().now + Duration::days(offset_days);
        let config = PopUpConfig { top_n, ..PopUpConfig::default() };
        for mut profile in builder.build() {
            profile.account.balance = Money::from_minor(balance);
            if payment_postpaid {
                profile.account.payment_type = PaymentType::Postpaid;
            }
            let popup = pop_up(&profile, at, &config, None);
            prop_assert!(popup.opportunities.len() <= top_n);
            for o in &popup.opportunities {
                prop_assert!((0.0..=1.0).contains(&o.score), "{:?}", o);
                prop_assert!(!o.evidence.is_empty());
                prop_assert!(!o.script.zh.is_empty() && !o.script.en.is_empty());
            }
            for pair in popup.opportunities.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
                prop_assert!(pair[0].kind != pair[1].kind);
            }
            let total: f64 = popup.call_intents.iter().map(|i| i.probability).sum();
            prop_assert!(total <= 1.0 + 1e-12, "{total}");
            let named: f64 = popup.call_intents.iter().filter(|i| i.reason != CallReason::Other).map(|i| i.probability).sum();
            prop_assert!(named < 1.0);
            prop_assert!(popup.intent(CallReason::Other) > 0.0);
            prop_assert_eq!(&pop_up(&profile, at, &config, None), &popup, "deterministic");
        }
    }

    #[test]
    fn disabling_any_kind_removes_exactly_it_for_any_customer(
        seed in 0u64..1_000_000,
        kind_index in 0usize..OpportunityKind::ALL.len(),
    ) {
        let (profiles, at) = {
            let population = Population::new(SynthConfig { seed, customers: 4, complainer_share: 0.6, ..SynthConfig::default() });
            let mut builder = ProfileBuilder::new();
            for event in population.events() {
                builder.add(event).unwrap();
            }
            (builder.build(), population.config().now)
        };
        let kind = OpportunityKind::ALL[kind_index];
        let all = PopUpConfig { top_n: usize::MAX, ..PopUpConfig::default() };
        let mut without = all.clone();
        without.set_enabled(kind, false);
        for profile in &profiles {
            let expected: Vec<_> = pop_up(profile, at, &all, None)
                .opportunities
                .into_iter()
                .filter(|o| o.kind != kind)
                .collect();
            prop_assert_eq!(pop_up(profile, at, &without, None).opportunities, expected);
        }
    }
}

#[test]
fn recent_contacts_about_a_record_raise_that_call_reason() {
    let mut profile = quiet();
    profile.orders = vec![OnlineOrder {
        id: "O7".to_owned(),
        item: None,
        placed_at: now() - days(20),
        status: OrderStatus::Completed,
        promised_by: None,
    }];
    let mut call = contact("K1", now() - days(7), Channel::Hotline, HandledBy::Agent);
    call.related_id = Some("O7".to_owned());
    profile.contacts = vec![call];
    let popup = run(&profile);
    assert!(popup.opportunities.is_empty());
    let order = popup.intent(CallReason::OrderStatus);
    assert!(order > 0.0 && order < 1.0, "{order}");
    assert!((order + popup.intent(CallReason::Other) - 1.0).abs() < 1e-12);
    // Outside the 7-day window, or self-service, it no longer counts.
    profile.contacts[0].at = now() - days(7) - secs(1);
    assert_eq!(run(&profile).intent(CallReason::OrderStatus), 0.0);
    profile.contacts[0].at = now() - days(1);
    profile.contacts[0].handled_by = HandledBy::SelfService;
    assert_eq!(run(&profile).intent(CallReason::OrderStatus), 0.0);
}
