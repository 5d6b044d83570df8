//! Cross-system audit: each mismatch rule, agreement, severities, the
//! anomaly a finding becomes and how the pop-up explains it, and batch
//! answers equal to one-by-one answers.

use custinsight::audit::{
    audit, audit_batch, AuditInput, Barring, BillingView, ChargedItem, CrmView, NetworkView,
};
use custinsight::popup::{pop_up, OpportunityKind, PopUpConfig};
use custinsight::{AccountStatus, AnomalyCode, CustomerProfile, Money, Severity, SourceSystem};

fn consistent() -> AuditInput {
    AuditInput {
        customer_id: Some("C1".to_owned()),
        crm: CrmView {
            status: AccountStatus::Active,
            plan: Some("5G-128".to_owned()),
            products: vec!["VOLTE".to_owned(), "MUSIC".to_owned()],
        },
        network: NetworkView {
            barring: Barring::None,
            services: vec!["MUSIC".to_owned(), "VOLTE".to_owned()],
        },
        billing: BillingView {
            plan: Some("5G-128".to_owned()),
            charged: vec![
                ChargedItem {
                    product: "MUSIC".to_owned(),
                    amount: Money::from_major(10),
                    needs_provisioning: true,
                },
                ChargedItem {
                    product: "INSURANCE".to_owned(),
                    amount: Money::from_major(5),
                    needs_provisioning: false,
                },
            ],
        },
    }
}

#[test]
fn agreeing_systems_give_no_finding() {
    assert!(audit(&consistent()).is_empty());
    assert!(
        audit(&AuditInput::default()).is_empty(),
        "active and unbarred by default"
    );
}

#[test]
fn status_mismatch_in_both_directions_with_severity_by_customer_impact() {
    let mut input = consistent();
    input.network.barring = Barring::Outgoing;
    let findings = audit(&input);
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding.code, AnomalyCode::StatusMismatch);
    assert_eq!(
        finding.severity,
        Severity::High,
        "the network bars a paying customer"
    );
    assert_eq!(
        finding.systems(),
        vec![SourceSystem::Crm, SourceSystem::NetworkElement]
    );
    assert_eq!(finding.detail(), "crm: active; network_element: outgoing barred");
    assert!(finding.script.zh.contains("半停机"));

    input.crm.status = AccountStatus::Suspended;
    input.network.barring = Barring::None;
    let findings = audit(&input);
    assert_eq!(findings[0].code, AnomalyCode::StatusMismatch);
    assert_eq!(
        findings[0].severity,
        Severity::Low,
        "service the customer should not have"
    );

    input.crm.status = AccountStatus::HalfSuspended;
    input.network.barring = Barring::Outgoing;
    assert!(audit(&input).is_empty());
    input.crm.status = AccountStatus::Cancelled;
    input.network.barring = Barring::All;
    assert!(audit(&input).is_empty());
}

#[test]
fn plan_mismatch_including_a_missing_plan() {
    let mut input = consistent();
    input.billing.plan = Some("4G-58".to_owned());
    let findings = audit(&input);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, AnomalyCode::PlanMismatch);
    assert_eq!(findings[0].detail(), "crm: 5G-128; billing: 4G-58");
    assert!(findings[0].script.en.contains("5G-128") && findings[0].script.en.contains("4G-58"));
    input.billing.plan = None;
    assert_eq!(audit(&input)[0].detail(), "crm: 5G-128; billing: none");
}

#[test]
fn charged_but_not_provisioned_skips_items_without_provisioning() {
    let mut input = consistent();
    input.network.services.retain(|s| s != "MUSIC");
    input.crm.products.retain(|s| s != "MUSIC");
    let findings = audit(&input);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].code, AnomalyCode::ChargedNotProvisioned);
    assert_eq!(findings[0].product.as_deref(), Some("MUSIC"));
    assert_eq!(findings[0].severity, Severity::High);
    assert!(findings[0].script.en.contains("10.00"));
    input.billing.charged[0].amount = Money::ZERO;
    assert_eq!(audit(&input)[0].severity, Severity::Low);
}

#[test]
fn provisioned_but_not_ordered_is_high_when_also_charged() {
    let mut input = consistent();
    input.crm.products.retain(|s| s != "MUSIC");
    let findings = audit(&input);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, AnomalyCode::ProvisionedNotOrdered);
    assert_eq!(findings[0].severity, Severity::High);
    assert_eq!(findings[0].values.len(), 3);
    input.network.services.push("GAMES".to_owned());
    input.crm.products.push("MUSIC".to_owned());
    let findings = audit(&input);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].product.as_deref(), Some("GAMES"));
    assert_eq!(findings[0].severity, Severity::Medium);
}

#[test]
fn every_mismatch_is_reported_in_rule_order() {
    let mut input = consistent();
    input.network.barring = Barring::All;
    input.billing.plan = Some("OTHER".to_owned());
    input.billing.charged.push(ChargedItem {
        product: "CLOUD".to_owned(),
        amount: Money::from_major(3),
        needs_provisioning: true,
    });
    input.network.services.push("GAMES".to_owned());
    let codes: Vec<_> = audit(&input).iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        vec![
            AnomalyCode::StatusMismatch,
            AnomalyCode::PlanMismatch,
            AnomalyCode::ChargedNotProvisioned,
            AnomalyCode::ProvisionedNotOrdered
        ]
    );
}

#[test]
fn findings_become_anomalies_the_pop_up_explains() {
    let mut input = consistent();
    input.network.barring = Barring::All;
    let now = "2026-11-20T09:00:00Z".parse().unwrap();
    let anomaly = audit(&input)[0].to_anomaly("AU-1", now);
    anomaly.validate().unwrap();
    let profile = CustomerProfile {
        customer_id: Some("C1".to_owned()),
        audit_anomalies: vec![anomaly],
        ..CustomerProfile::default()
    };
    let popup = pop_up(&profile, now, &PopUpConfig::default(), None);
    let opportunity = &popup.opportunities[0];
    assert_eq!(opportunity.kind, OpportunityKind::AuditAnomaly);
    assert!(
        opportunity.script.en.contains("network_element: all barred"),
        "{}",
        opportunity.script.en
    );
}

#[test]
fn inputs_parse_from_json_and_batch_matches_one_by_one() {
    let json = r#"{"customer_id": "C9", "crm": {"status": "active", "plan": "P1"},
        "network": {"barring": "all", "services": ["VAS1"]},
        "billing": {"plan": "P1", "charged": [{"product": "VAS2", "amount": 8.5}]}}"#;
    let input: AuditInput = custinsight::from_json("audit input", json).unwrap();
    assert_eq!(audit(&input).len(), 3);
    assert!(custinsight::from_json::<AuditInput>("audit input", r#"{"crm": {"stauts": "active"}}"#).is_err());
    let inputs: Vec<AuditInput> = (0..500)
        .map(|i| {
            let mut input = consistent();
            input.customer_id = Some(format!("C{i}"));
            if i % 3 == 0 {
                input.network.barring = Barring::Outgoing;
            }
            if i % 5 == 0 {
                input.network.services.push(format!("VAS{i}"));
            }
            input
        })
        .collect();
    let reports = audit_batch(&inputs);
    assert_eq!(reports.len(), inputs.len());
    for (input, report) in inputs.iter().zip(&reports) {
        assert_eq!(report.customer_id, input.customer_id);
        assert_eq!(report.findings, audit(input));
    }
    let expected = (0..500).filter(|i| i % 3 == 0 || i % 5 == 0).count();
    assert_eq!(
        reports.iter().filter(|r| !r.findings.is_empty()).count(),
        expected
    );
}
