//! The firing rule, score, evidence and scripts of each opportunity kind.
//!
//! Readings of the spec that apply to every rule: "within N days" and "in
//! the last N days" are inclusive (at most N × 24 h from `now`, back for
//! history, ahead for deadlines); "below"/"above" are strict, "at least" is
//! inclusive; records dated after `now` are ignored, so a pop-up computed
//! for a past moment sees only what was known then.

use chrono::{DateTime, Months, TimeDelta, Utc};

use crate::churn::ChurnModel;
use crate::complaint::Complaint;
use crate::money::Money;
use crate::popup::history::complaint_history;
use crate::popup::{
    Bilingual, CallReason, Evidence, Opportunity, OpportunityKind, PopUpConfig, SuppressionReason,
};
use crate::profile::{AccountStatus, AnomalyCode, Bill, CustomerProfile, OrderStatus, TaskStatus};
use crate::taxonomy::Severity;

/// An opportunity and, for a retention task held back by the cooldown, the
/// contact that caused it.
pub(crate) type Fired = (Opportunity, Option<String>);

struct Ctx<'a> {
    profile: &'a CustomerProfile,
    now: DateTime<Utc>,
    config: &'a PopUpConfig,
    /// Bills issued by `now`, oldest first (computed once, used by three
    /// kinds).
    bills: Vec<&'a Bill>,
}

fn days(n: u32) -> TimeDelta {
    TimeDelta::days(i64::from(n))
}

/// `at` is at most `n` days before `now` (and not after it).
fn within_back(at: DateTime<Utc>, now: DateTime<Utc>, n: u32) -> bool {
    at <= now && now - at <= days(n)
}

/// `at` is at most `n` days after `now` (and not before it).
fn within_ahead(at: DateTime<Utc>, now: DateTime<Utc>, n: u32) -> bool {
    at >= now && at - now <= days(n)
}

fn age_days(at: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    (now - at).num_seconds() as f64 / 86_400.0
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn ev(field: impl Into<String>, value: impl Into<String>, threshold: impl Into<String>) -> Evidence {
    Evidence {
        field: field.into(),
        value: value.into(),
        threshold: threshold.into(),
    }
}

fn text(zh: String, en: String) -> Bilingual {
    Bilingual { zh, en }
}

fn make(
    kind: OpportunityKind,
    score: f64,
    evidence: Vec<Evidence>,
    script: Bilingual,
    guidance: Bilingual,
    call_reason: CallReason,
    subject_id: Option<String>,
) -> Opportunity {
    Opportunity {
        kind,
        score,
        evidence,
        script,
        guidance,
        call_reason,
        subject_id,
    }
}

/// Issued bills (issued at or before `now`), oldest first.
fn issued_bills(profile: &CustomerProfile, now: DateTime<Utc>) -> Vec<&Bill> {
    let mut bills: Vec<&Bill> = profile
        .bills
        .iter()
        .filter(|bill| bill.issued_at <= now)
        .collect();
    bills.sort_by(|a, b| a.issued_at.cmp(&b.issued_at).then_with(|| a.id.cmp(&b.id)));
    bills
}

/// The severity of a complaint: as classified, or by the spec's rule from
/// its category and signals.
fn severity_of(complaint: &Complaint) -> Severity {
    complaint.severity.unwrap_or_else(|| {
        Severity::from_rule(complaint.category.as_deref().unwrap_or(""), &complaint.signals)
    })
}

/// Open complaints received at or before `now`.
fn open_complaints(profile: &CustomerProfile, now: DateTime<Utc>) -> impl Iterator<Item = &Complaint> {
    profile
        .complaints
        .iter()
        .filter(move |complaint| complaint.is_open() && complaint.received_at <= now)
}

/// Whether marketing is held back, and because of which complaint.
pub(crate) fn marketing_block(
    profile: &CustomerProfile,
    now: DateTime<Utc>,
    config: &PopUpConfig,
) -> Option<(SuppressionReason, String)> {
    if let Some(open) = open_complaints(profile, now).next() {
        return Some((SuppressionReason::OpenComplaint, open.id.clone()));
    }
    profile
        .complaints
        .iter()
        .rev()
        .find(|complaint| {
            within_back(complaint.received_at, now, config.suppression.critical_days)
                && severity_of(complaint) == Severity::Critical
        })
        .map(|complaint| (SuppressionReason::RecentCriticalComplaint, complaint.id.clone()))
}

/// Every enabled kind that fires, one opportunity per kind, weighted and
/// clamped; not yet ranked or suppressed (except the retention cooldown,
/// flagged in the second member).
pub(crate) fn evaluate(
    profile: &CustomerProfile,
    now: DateTime<Utc>,
    config: &PopUpConfig,
    churn: Option<(&ChurnModel, f64)>,
) -> Vec<Fired> {
    let ctx = Ctx {
        profile,
        now,
        config,
        bills: issued_bills(profile, now),
    };
    let mut out: Vec<Fired> = Vec::with_capacity(8);
    let mut push = |kind: OpportunityKind, fired: Option<Fired>| {
        let (enabled, weight) = config.switch(kind);
        if !enabled {
            return;
        }
        if let Some((mut opportunity, cooldown)) = fired {
            debug_assert_eq!(opportunity.kind, kind);
            let score = opportunity.score * weight;
            opportunity.score = if score.is_finite() {
                score.clamp(0.0, 1.0)
            } else {
                0.0
            };
            out.push((opportunity, cooldown));
        }
    };
    let on = |kind: OpportunityKind| config.switch(kind).0;
    macro_rules! rule {
        ($kind:ident, $call:expr) => {
            if on(OpportunityKind::$kind) {
                push(OpportunityKind::$kind, $call);
            }
        };
    }
    rule!(LowBalance, low_balance(&ctx).map(|o| (o, None)));
    rule!(SuspensionImminent, suspension_imminent(&ctx).map(|o| (o, None)));
    rule!(Suspended, suspended(&ctx).map(|o| (o, None)));
    rule!(RoamingBill, roaming_bill(&ctx).map(|o| (o, None)));
    rule!(NewUserFirstCall, new_user_first_call(&ctx).map(|o| (o, None)));
    rule!(DefaultPassword, default_password(&ctx).map(|o| (o, None)));
    rule!(FrequentCaller, frequent_caller(&ctx).map(|o| (o, None)));
    rule!(AuditAnomaly, audit_anomaly(&ctx).map(|o| (o, None)));
    rule!(OpenComplaint, open_complaint(&ctx).map(|o| (o, None)));
    rule!(EscalationRisk, escalation_risk(&ctx).map(|o| (o, None)));
    rule!(PendingOrder, pending_order(&ctx).map(|o| (o, None)));
    rule!(RetentionTask, retention_task(&ctx));
    rule!(ChurnRisk, churn_risk(&ctx, churn).map(|o| (o, None)));
    rule!(PlanUpgrade, plan_upgrade(&ctx).map(|o| (o, None)));
    rule!(ContractExpiring, contract_expiring(&ctx).map(|o| (o, None)));
    rule!(BillShock, bill_shock(&ctx).map(|o| (o, None)));
    rule!(WatchList, watch_list(&ctx).map(|o| (o, None)));
    out
}

/// Balance plus credit limit: what the customer can still spend.
fn available(profile: &CustomerProfile) -> Money {
    profile
        .account
        .balance
        .saturating_add(profile.account.credit_limit)
}

fn low_balance(ctx: &Ctx) -> Option<Opportunity> {
    let account = &ctx.profile.account;
    let fee = account.recurring_fee;
    let available = available(ctx.profile);
    if fee.minor_units() <= 0 || available >= fee || account.status == AccountStatus::Cancelled {
        return None;
    }
    let short = Money::from_minor(fee.minor_units() - available.minor_units());
    let score = 0.55 + 0.35 * (short.as_f64() / fee.as_f64()).min(1.0);
    let mut evidence = vec![ev(
        "account.balance",
        account.balance.to_string(),
        format!("balance + credit limit < {fee} (account.recurring_fee)"),
    )];
    if account.credit_limit.minor_units() > 0 {
        evidence.push(ev(
            "account.credit_limit",
            account.credit_limit.to_string(),
            "added to the balance",
        ));
    }
    Some(make(
        OpportunityKind::LowBalance,
        score,
        evidence,
        text(
            format!(
                "您当前账户余额{}元（信用额度{}元），不足以抵扣下月月租{fee}元，还差{short}元。",
                account.balance, account.credit_limit
            ),
            format!(
                "Your balance is {} (credit limit {}), which does not cover next month's recurring fee of {fee}: {short} short.",
                account.balance, account.credit_limit
            ),
        ),
        text(
            format!("提醒客户在月初扣费前充值至少{short}元，可推荐开通自动充值；客户询问扣费时核对近期费用明细。"),
            format!("Ask the customer to top up at least {short} before the fee is taken; offer automatic top-up; go through recent charges if asked."),
        ),
        CallReason::BillingQuestion,
        None,
    ))
}

/// Monthly spend: the larger of the recurring fee and the average of the
/// (up to) three latest issued bills.
fn monthly_spend(ctx: &Ctx) -> Money {
    let bills = &ctx.bills;
    let recent = &bills[bills.len().saturating_sub(3)..];
    let average = if recent.is_empty() {
        0
    } else {
        recent.iter().map(|bill| bill.amount.minor_units()).sum::<i64>() / recent.len() as i64
    };
    Money::from_minor(average.max(ctx.profile.account.recurring_fee.minor_units()))
}

fn suspension_imminent(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.suspension_imminent;
    if ctx.profile.account.status != AccountStatus::Active {
        return None;
    }
    let monthly = monthly_spend(ctx);
    if monthly.minor_units() <= 0 {
        return None;
    }
    let daily = monthly.as_f64() / f64::from(section.cycle_days);
    let available = available(ctx.profile);
    let days_left = (available.as_f64() / daily).max(0.0);
    if days_left > f64::from(section.days) {
        return None;
    }
    let urgency = if section.days == 0 {
        1.0
    } else {
        1.0 - days_left / f64::from(section.days)
    };
    let score = 0.75 + 0.15 * urgency;
    let daily_money = Money::from_f64(daily).unwrap_or(Money::ZERO);
    let script = if available.minor_units() <= 0 {
        text(
            format!("您的可用余额已为{available}元，号码随时可能停机。"),
            format!("Your available balance is already {available}; the line may be suspended at any time."),
        )
    } else {
        text(
            format!(
                "按您日均消费约{daily_money}元计算，当前可用余额{available}元预计{days_left:.1}天内用完，届时号码将停机。"
            ),
            format!(
                "At about {daily_money} a day, your available balance of {available} runs out in {days_left:.1} days, after which the line will be suspended."
            ),
        )
    };
    Some(make(
        OpportunityKind::SuspensionImminent,
        score,
        vec![ev(
            "account.balance",
            format!("{available} available, {days_left:.1} days at {daily_money}/day"),
            format!("runs out within {} days", section.days),
        )],
        script,
        text(
            "提醒客户尽快充值以免停机；告知充值渠道（App、微信、营业厅）及到账时间。".to_owned(),
            "Ask the customer to top up soon to avoid suspension; name the top-up channels (app, WeChat, store) and when it is credited.".to_owned(),
        ),
        CallReason::Suspension,
        None,
    ))
}

fn suspended(ctx: &Ctx) -> Option<Opportunity> {
    let account = &ctx.profile.account;
    let (score, zh, en) = match account.status {
        AccountStatus::Suspended => (0.95, "停机", "suspended"),
        AccountStatus::HalfSuspended => (0.9, "半停机（只能接听）", "half-suspended (incoming calls only)"),
        _ => return None,
    };
    let (owed_zh, owed_en) = if account.balance.is_negative() {
        let owed = Money::from_minor(-account.balance.minor_units());
        (
            format!("当前欠费{owed}元，缴清后系统将自动复机。"),
            format!("{owed} is outstanding; service is restored automatically once it is paid."),
        )
    } else {
        (
            format!("账户余额{}元。", account.balance),
            format!("The balance is {}.", account.balance),
        )
    };
    Some(make(
        OpportunityKind::Suspended,
        score,
        vec![ev("account.status", en, "suspended or half_suspended")],
        text(format!("您的号码目前处于{zh}状态。{owed_zh}"), format!("Your line is {en}. {owed_en}")),
        text(
            "核实停机原因（欠费、挂失、实名、稽核）；欠费停机指引缴费，缴费后未复机立即提交复机工单。".to_owned(),
            "Find the reason (arrears, reported loss, identity, audit); for arrears guide the payment; if paid and still barred, raise a restore ticket at once.".to_owned(),
        ),
        CallReason::Suspension,
        None,
    ))
}

fn roaming_bill(ctx: &Ctx) -> Option<Opportunity> {
    let today = ctx.now.date_naive();
    let cycle = ctx
        .profile
        .usage
        .iter()
        .filter(|usage| usage.cycle_start <= today)
        .max_by_key(|usage| usage.cycle_start);
    let bill = ctx.bills.last();
    let list = ctx.profile.watch_lists.iter().find(|member| {
        member.added_at <= ctx.now
            && member.removed_at.is_none_or(|removed| removed > ctx.now)
            && ctx.config.roaming_bill.lists.contains(&member.list)
    });
    let mut evidence = Vec::new();
    let mut amount = None;
    if let Some(cycle) = cycle.filter(|cycle| cycle.roaming_charges.minor_units() > 0) {
        evidence.push(ev(
            format!("usage[{}].roaming_charges", cycle.cycle_start),
            cycle.roaming_charges.to_string(),
            "> 0 in the current bill cycle",
        ));
        amount = Some((cycle.roaming_charges, None));
    }
    if let Some(bill) = bill.filter(|bill| bill.roaming_amount.minor_units() > 0) {
        evidence.push(ev(
            format!("bills[{}].roaming_amount", bill.id),
            bill.roaming_amount.to_string(),
            "> 0 on the current bill",
        ));
        amount = Some((bill.roaming_amount, Some(bill.id.clone())));
    }
    if let Some(list) = list {
        evidence.push(ev("watch_lists.list", list.list.clone(), "a roaming watch list"));
    }
    if evidence.is_empty() {
        return None;
    }
    let (script, score) = match &amount {
        Some((money, Some(bill_id))) => (
            text(
                format!("您的账单{bill_id}中含国际漫游费用{money}元，漫游话单按境外运营商回传时间计入，可能晚于实际使用时间。"),
                format!("Bill {bill_id} includes {money} of international roaming charges; roaming records arrive from foreign operators and may be billed later than used."),
            ),
            0.7,
        ),
        Some((money, None)) => (
            text(
                format!("您本期已产生国际漫游费用{money}元，将计入本期账单；漫游话单可能延迟回传。"),
                format!("You have {money} of international roaming charges this cycle, to appear on this bill; roaming records can arrive late."),
            ),
            0.65,
        ),
        None => (
            text(
                "您目前在国际漫游关注名单中，出行期间如有费用或信号问题可随时联系我们。".to_owned(),
                "You are on our roaming watch list: call us any time about charges or signal while abroad.".to_owned(),
            ),
            0.5,
        ),
    };
    Some(make(
        OpportunityKind::RoamingBill,
        score,
        evidence,
        script,
        text(
            "核对漫游话单（国家/地区、时间、流量），推荐漫游包；有争议的按流程提交核查。".to_owned(),
            "Go through the roaming records (country, time, data); offer a roaming pack; dispute wrong records through the review process.".to_owned(),
        ),
        CallReason::Roaming,
        amount.and_then(|(_, bill)| bill),
    ))
}

fn joined_within(ctx: &Ctx, n: u32) -> Option<DateTime<Utc>> {
    ctx.profile
        .identity
        .joined_at
        .filter(|&joined| within_back(joined, ctx.now, n))
}

fn new_user_first_call(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.new_user_first_call;
    let joined = joined_within(ctx, section.days)?;
    let earlier = ctx
        .profile
        .contacts
        .iter()
        .any(|contact| contact.at < ctx.now && section.channels.contains(&contact.channel));
    if earlier {
        return None;
    }
    let age = age_days(joined, ctx.now).floor();
    Some(make(
        OpportunityKind::NewUserFirstCall,
        0.5,
        vec![
            ev("identity.joined_at", date(joined), format!("within {} days", section.days)),
            ev("contacts", "no earlier hotline contact", "first call"),
        ],
        text(
            format!("欢迎您！您于{}入网（{age}天前），这是您第一次致电客服，我们为您介绍套餐内容和常用服务。", date(joined)),
            format!("Welcome! You joined on {} ({age} days ago) and this is your first call: let us walk you through your plan and the everyday services.", date(joined)),
        ),
        text(
            "新用户首次来电：确认套餐和首月费用（首月按天折算），介绍App/微信自助服务，解答后回访满意度。".to_owned(),
            "First call of a new customer: confirm the plan and the first month's pro-rated fee, introduce app/WeChat self-service, follow up on satisfaction.".to_owned(),
        ),
        CallReason::AccountService,
        None,
    ))
}

fn default_password(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.default_password;
    let joined = joined_within(ctx, section.days)?;
    if ctx.profile.account.service_password_changed {
        return None;
    }
    Some(make(
        OpportunityKind::DefaultPassword,
        0.3,
        vec![
            ev("identity.joined_at", date(joined), format!("within {} days", section.days)),
            ev("account.service_password_changed", "false", "never changed since joining"),
        ],
        text(
            format!("您于{}入网后尚未修改初始服务密码，为保障账户安全，建议尽快修改。", date(joined)),
            format!("You have not changed the initial service password since joining on {}; please change it soon to keep the account safe.", date(joined)),
        ),
        text(
            "提醒客户修改服务密码（App、短信或营业厅），不可在通话中索要或代设密码。".to_owned(),
            "Remind the customer to change the service password (app, SMS or store); never ask for it or set it on the call.".to_owned(),
        ),
        CallReason::AccountService,
        None,
    ))
}

fn reason_of_related(profile: &CustomerProfile, related: Option<&str>) -> CallReason {
    let Some(id) = related else {
        return CallReason::Other;
    };
    if profile.complaints.iter().any(|complaint| complaint.id == id) {
        CallReason::ComplaintFollowUp
    } else if profile.orders.iter().any(|order| order.id == id) {
        CallReason::OrderStatus
    } else if profile.retention_tasks.iter().any(|task| task.id == id) {
        CallReason::Retention
    } else if profile.bills.iter().any(|bill| bill.id == id) {
        CallReason::BillingQuestion
    } else if profile.audit_anomalies.iter().any(|anomaly| anomaly.id == id) {
        CallReason::NetworkFault
    } else {
        CallReason::Other
    }
}

/// The call reason a contact was about, through its `related_id`.
pub(crate) fn contact_reason(profile: &CustomerProfile, related: Option<&str>) -> CallReason {
    reason_of_related(profile, related)
}

fn frequent_caller(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.frequent_caller;
    let mut count = 0u32;
    let mut last = None;
    for contact in &ctx.profile.contacts {
        if contact.is_handled_by_person() && within_back(contact.at, ctx.now, section.days) {
            count += 1;
            if last.is_none_or(|l: &crate::profile::Contact| contact.at >= l.at) {
                last = Some(contact);
            }
        }
    }
    if count < section.min_contacts || count == 0 {
        return None;
    }
    let last = last.expect("count > 0");
    let extra = f64::from(count - section.min_contacts);
    let score = (0.55 + 0.08 * extra).min(0.85);
    let last_reason = last.reason.clone().unwrap_or_else(|| "-".to_owned());
    Some(make(
        OpportunityKind::FrequentCaller,
        score,
        vec![ev(
            "contacts",
            format!("{count} handled by a person"),
            format!("at least {} in the last {} days", section.min_contacts, section.days),
        )],
        text(
            format!("客户近{}天已人工来电/咨询{count}次，上次（{}）原因：{last_reason}。", section.days, date(last.at)),
            format!("The customer has reached an agent {count} times in the last {} days; last time ({}): {last_reason}.", section.days, date(last.at)),
        ),
        text(
            "高频来电：先查看历史接触记录，主动说明上次问题的进展，争取一次解决，必要时升级班长或专席。".to_owned(),
            "Frequent caller: read the contact history first, open with the progress on the last issue, aim to solve it on this call, escalate to a supervisor if needed.".to_owned(),
        ),
        reason_of_related(ctx.profile, last.related_id.as_deref()),
        Some(last.id.clone()),
    ))
}

fn severity_score(severity: Severity) -> f64 {
    match severity {
        Severity::Low => 0.5,
        Severity::Medium => 0.65,
        Severity::High => 0.8,
        Severity::Critical => 0.9,
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn anomaly_code_name(code: AnomalyCode) -> &'static str {
    match code {
        AnomalyCode::StatusMismatch => "status_mismatch",
        AnomalyCode::ChargedNotProvisioned => "charged_not_provisioned",
        AnomalyCode::ProvisionedNotOrdered => "provisioned_not_ordered",
        AnomalyCode::PlanMismatch => "plan_mismatch",
    }
}

fn audit_anomaly(ctx: &Ctx) -> Option<Opportunity> {
    let anomaly = ctx
        .profile
        .audit_anomalies
        .iter()
        .filter(|anomaly| {
            anomaly.detected_at <= ctx.now && anomaly.resolved_at.is_none_or(|resolved| resolved > ctx.now)
        })
        .max_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| b.detected_at.cmp(&a.detected_at))
        })?;
    let detail = anomaly.detail.clone().unwrap_or_else(|| "-".to_owned());
    let (zh, en, reason) = match anomaly.code {
        AnomalyCode::StatusMismatch => (
            format!("系统核查发现您的号码在营业系统与网络侧状态不一致（{detail}），可能导致无法正常通话或上网，我们已在处理。"),
            format!("Our checks found that your line's status differs between our customer system and the network ({detail}); calls or data may fail, and we are fixing it."),
            CallReason::NetworkFault,
        ),
        AnomalyCode::ChargedNotProvisioned => (
            format!("系统核查发现有业务已计费但未开通（{detail}），相关费用将核实后退还。"),
            format!("Our checks found a service that is charged but not provided ({detail}); the charge will be verified and refunded."),
            CallReason::BillingQuestion,
        ),
        AnomalyCode::ProvisionedNotOrdered => (
            format!("系统核查发现有业务已开通但没有您的订购记录（{detail}），我们将为您关闭并核实是否产生费用。"),
            format!("Our checks found a service switched on without an order from you ({detail}); we will switch it off and check for any charges."),
            CallReason::BillingQuestion,
        ),
        AnomalyCode::PlanMismatch => (
            format!("系统核查发现营业系统与计费系统中的套餐不一致（{detail}），将以您办理的套餐为准核实费用。"),
            format!("Our checks found that the plan differs between our customer and billing systems ({detail}); charges will be checked against the plan you signed up for."),
            CallReason::BillingQuestion,
        ),
    };
    Some(make(
        OpportunityKind::AuditAnomaly,
        severity_score(anomaly.severity),
        vec![ev(
            format!("audit_anomalies[{}].code", anomaly.id),
            format!("{}: {detail}", anomaly_code_name(anomaly.code)),
            format!("open since {} ({} severity)", date(anomaly.detected_at), severity_name(anomaly.severity)),
        )],
        text(zh, en),
        text(
            format!("主动告知客户异常{}及处理进度，勿让客户重复描述；涉及费用的承诺核实后退还，跟进稽核单直至关闭。", anomaly.id),
            format!("Tell the customer about anomaly {} and its progress before they have to explain; promise verification and refund of any charge; follow the audit case until closed.", anomaly.id),
        ),
        reason,
        Some(anomaly.id.clone()),
    ))
}

fn open_complaint(ctx: &Ctx) -> Option<Opportunity> {
    let appeal = f64::from(ctx.config.escalation_risk.appeal_days.max(1));
    let complaint = open_complaints(ctx.profile, ctx.now).min_by_key(|c| (c.received_at, c.id.clone()))?;
    let count = open_complaints(ctx.profile, ctx.now).count();
    let age = age_days(complaint.received_at, ctx.now);
    let score = 0.7 + 0.2 * (age / appeal).clamp(0.0, 1.0);
    let category = complaint.category.clone().unwrap_or_else(|| "-".to_owned());
    Some(make(
        OpportunityKind::OpenComplaint,
        score,
        vec![ev(
            format!("complaints[{}].status", complaint.id),
            format!("open, received {} ({age:.1} days ago)", date(complaint.received_at)),
            format!("open ({count} open in total)"),
        )],
        text(
            format!("您于{}反映的问题（{category}，工单号{}）正在处理中，已受理{}天。", date(complaint.received_at), complaint.id, age.floor()),
            format!("The issue you reported on {} ({category}, ticket {}) is being handled; it was opened {} days ago.", date(complaint.received_at), complaint.id, age.floor()),
        ),
        text(
            "查询工单最新进度并如实告知，给出明确回复时限；超时的向责任工作组催办并记录。".to_owned(),
            "Look up the ticket's latest progress and tell the customer plainly, with a clear reply deadline; if overdue, chase the responsible work group and record it.".to_owned(),
        ),
        CallReason::ComplaintFollowUp,
        Some(complaint.id.clone()),
    ))
}

fn escalation_risk(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.escalation_risk;
    let mut best: Option<(f64, &Complaint, f64, crate::popup::ComplaintHistory)> = None;
    for complaint in open_complaints(ctx.profile, ctx.now) {
        let age = age_days(complaint.received_at, ctx.now);
        let nearing = ctx.now - complaint.received_at >= days(section.warn_days);
        let history = complaint_history(ctx.profile, complaint, section.history_days);
        if !nearing && !history.is_recurring() {
            continue;
        }
        let span = f64::from(section.appeal_days.saturating_sub(section.warn_days).max(1));
        let mut score = if nearing {
            0.8 + 0.15 * ((age - f64::from(section.warn_days)) / span).clamp(0.0, 1.0)
        } else {
            0.75
        };
        if history.is_recurring() {
            score += 0.05;
        }
        if severity_of(complaint) == Severity::Critical {
            score += 0.05;
        }
        let score = score.min(1.0);
        if best.as_ref().is_none_or(|(s, ..)| score > *s) {
            best = Some((score, complaint, age, history));
        }
    }
    let (score, complaint, age, history) = best?;
    let mut evidence = vec![ev(
        format!("complaints[{}].received_at", complaint.id),
        format!("{} ({age:.1} days open)", date(complaint.received_at)),
        format!(
            "at least {} days (appeal after {})",
            section.warn_days, section.appeal_days
        ),
    )];
    if history.is_recurring() {
        evidence.push(ev(
            format!("complaints[{}].category", complaint.id),
            format!(
                "{} earlier open (repeat), {} earlier closed (second): {}",
                history.open_before,
                history.closed_before,
                history.prior_ids.join(", ")
            ),
            format!("same category within {} days", section.history_days),
        ));
    }
    let remaining = f64::from(section.appeal_days) - age;
    let (zh_when, en_when) = if remaining > 0.0 {
        (
            format!(
                "距可向管局申诉的{}天还剩{:.0}天",
                section.appeal_days,
                remaining.ceil()
            ),
            format!(
                "{:.0} days before the {}-day regulator appeal age",
                remaining.ceil(),
                section.appeal_days
            ),
        )
    } else {
        (
            format!("已超过{}天，客户可向工信部/12300申诉", section.appeal_days),
            format!(
                "past {} days: the customer may now appeal to the regulator",
                section.appeal_days
            ),
        )
    };
    let (zh_hist, en_hist) = match (history.open_before, history.closed_before) {
        (0, 0) => (String::new(), String::new()),
        (0, _) => (
            "；同一问题此前已投诉并关闭过（二次投诉）".to_owned(),
            "; the same issue was complained about and closed before (second complaint)".to_owned(),
        ),
        _ => (
            "；同一问题另有未关闭的投诉（重复投诉）".to_owned(),
            "; another complaint on the same issue is still open (repeat complaint)".to_owned(),
        ),
    };
    Some(make(
        OpportunityKind::EscalationRisk,
        score,
        evidence,
        text(
            format!("非常抱歉，您的工单{}已受理{}天仍未解决，我们已加急处理。", complaint.id, age.floor()),
            format!("We are sorry that ticket {} is still unresolved after {} days; it has been escalated.", complaint.id, age.floor()),
        ),
        text(
            format!("升级风险：{zh_when}{zh_hist}。立即联系责任工作组加急，向客户致歉并承诺明确解决时限，班长跟进回访。"),
            format!("Escalation risk: {en_when}{en_hist}. Chase the responsible work group now, apologise, commit to a firm resolution date, and have a supervisor call back."),
        ),
        CallReason::ComplaintFollowUp,
        Some(complaint.id.clone()),
    ))
}

fn order_status_names(status: OrderStatus) -> (&'static str, &'static str) {
    match status {
        OrderStatus::Placed => ("已下单待支付", "placed, awaiting payment"),
        OrderStatus::Paid => ("已支付待发货", "paid, being prepared"),
        OrderStatus::Shipped => ("已发货", "shipped"),
        OrderStatus::Completed => ("已完成", "completed"),
        OrderStatus::Cancelled => ("已取消", "cancelled"),
        OrderStatus::Failed => ("办理失败", "failed"),
    }
}

fn pending_order(ctx: &Ctx) -> Option<Opportunity> {
    let mut best: Option<(f64, &crate::profile::OnlineOrder, bool)> = None;
    for order in ctx
        .profile
        .orders
        .iter()
        .filter(|order| order.placed_at <= ctx.now)
    {
        if !order.status.is_unfinished() {
            continue;
        }
        let late = order.promised_by.is_some_and(|promised| promised < ctx.now);
        let score = if order.status == OrderStatus::Failed {
            0.8
        } else if late {
            0.75
        } else {
            0.55
        };
        if best.as_ref().is_none_or(|(s, ..)| score > *s) {
            best = Some((score, order, late));
        }
    }
    let (score, order, late) = best?;
    let (status_zh, status_en) = order_status_names(order.status);
    let item = order.item.clone().unwrap_or_else(|| "-".to_owned());
    let (late_zh, late_en) = match order.promised_by {
        Some(promised) if late => (
            format!("，原承诺{}前完成，已逾期", date(promised)),
            format!(", promised by {}, now late", date(promised)),
        ),
        Some(promised) => (
            format!("，预计{}前完成", date(promised)),
            format!(", expected by {}", date(promised)),
        ),
        None => (String::new(), String::new()),
    };
    Some(make(
        OpportunityKind::PendingOrder,
        score,
        vec![ev(
            format!("orders[{}].status", order.id),
            format!("{status_en}{late_en}"),
            "unfinished or late",
        )],
        text(
            format!("您于{}在网上商城订购的{item}（订单号{}）当前状态：{status_zh}{late_zh}。", date(order.placed_at), order.id),
            format!("Your online-shop order {} for {item}, placed on {}, is {status_en}{late_en}.", order.id, date(order.placed_at)),
        ),
        text(
            "查询订单物流/开通环节并告知；失败或逾期的向商城后台催办，给出补救时间，必要时提供补偿。".to_owned(),
            "Look up the delivery or activation step and tell the customer; for failed or late orders chase the shop back office, give a recovery date, offer goodwill if due.".to_owned(),
        ),
        CallReason::OrderStatus,
        Some(order.id.clone()),
    ))
}

fn retention_task(ctx: &Ctx) -> Option<Fired> {
    let section = &ctx.config.retention_task;
    let mut held: Option<(Opportunity, String)> = None;
    for task in &ctx.profile.retention_tasks {
        if task.status != TaskStatus::Open
            || task.created_at > ctx.now
            || task.expires_at.is_some_and(|expires| expires < ctx.now)
        {
            continue;
        }
        let offer = task.offer.clone().unwrap_or_else(|| "-".to_owned());
        let script_zh = task
            .script
            .clone()
            .unwrap_or_else(|| format!("感谢您一直以来的支持，我们为您准备了专属优惠：{offer}。"));
        let script_en = task.script.clone().unwrap_or_else(|| {
            format!("Thank you for staying with us: we have a special offer for you: {offer}.")
        });
        let opportunity = make(
            OpportunityKind::RetentionTask,
            0.55,
            vec![ev(
                format!("retention_tasks[{}].list", task.id),
                task.list.clone(),
                "open retention task",
            )],
            text(script_zh, script_en),
            text(
                format!("按维系清单{}口径推荐“{offer}”；客户接受或拒绝都在维系系统回单{}。", task.list, task.id),
                format!("Offer \"{offer}\" as list {} prescribes; record acceptance or refusal on task {} in the retention system.", task.list, task.id),
            ),
            CallReason::Retention,
            Some(task.id.clone()),
        );
        let contacted = ctx.profile.contacts.iter().rev().find(|contact| {
            contact.related_id.as_deref() == Some(task.id.as_str())
                && contact.channel != ctx.config.channel
                && within_back(contact.at, ctx.now, section.cooldown_days)
        });
        match contacted {
            None => return Some((opportunity, None)),
            Some(contact) => {
                if held.is_none() {
                    held = Some((opportunity, contact.id.clone()));
                }
            }
        }
    }
    held.map(|(opportunity, contact)| (opportunity, Some(contact)))
}

fn churn_risk(ctx: &Ctx, churn: Option<(&ChurnModel, f64)>) -> Option<Opportunity> {
    let (model, probability) = churn?;
    let threshold = ctx.config.churn_risk.threshold;
    if probability <= threshold {
        return None;
    }
    let factors: Vec<(String, f64)> = model
        .explain_profile(ctx.profile, ctx.now)
        .contributions
        .into_iter()
        .filter(|(_, contribution)| *contribution > 0.0)
        .collect();
    let mut evidence = vec![ev(
        "churn.probability",
        format!("{probability:.3}"),
        format!("> {threshold}"),
    )];
    for (feature, contribution) in factors.iter().take(3) {
        evidence.push(ev(
            format!("churn.{feature}"),
            format!("{contribution:+.3} log-odds"),
            "top contribution",
        ));
    }
    let names: Vec<&str> = factors
        .iter()
        .take(3)
        .map(|(feature, _)| feature.as_str())
        .collect();
    Some(make(
        OpportunityKind::ChurnRisk,
        probability,
        evidence,
        text(
            format!("（坐席参考）客户流失风险{:.0}%，主要因素：{}。", probability * 100.0, names.join("、")),
            format!("(for the agent) Churn risk {:.0}%, driven by: {}.", probability * 100.0, names.join(", ")),
        ),
        text(
            "先解决本次来电问题，再了解客户满意度；可按维系政策推荐合适的优惠，不强行挽留。".to_owned(),
            "Solve today's issue first, then ask about satisfaction; offer a suitable retention benefit under the retention policy, without pressure.".to_owned(),
        ),
        CallReason::Retention,
        None,
    ))
}

fn plan_upgrade(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.plan_upgrade;
    let today = ctx.now.date_naive();
    let mut complete: Vec<&crate::profile::MonthlyUsage> = ctx
        .profile
        .usage
        .iter()
        .filter(|usage| {
            usage
                .cycle_start
                .checked_add_months(Months::new(1))
                .is_some_and(|end| end <= today)
        })
        .collect();
    complete.sort_by_key(|usage| usage.cycle_start);
    let last = &complete[complete.len().saturating_sub(section.months as usize)..];
    let over = |used: u64, allowance: Option<u64>| allowance.is_some_and(|allowance| used > allowance);
    let exceeded: Vec<_> = last
        .iter()
        .filter(|u| {
            over(u.data_mb, u.data_allowance_mb)
                || over(u.voice_minutes, u.voice_allowance_minutes)
                || over(u.sms, u.sms_allowance)
        })
        .collect();
    let count = exceeded.len() as u32;
    if count < section.min_months || count == 0 {
        return None;
    }
    let plan = ctx
        .profile
        .account
        .plan
        .as_ref()
        .map(|plan| plan.name.clone().unwrap_or_else(|| plan.code.clone()))
        .unwrap_or_else(|| "-".to_owned());
    let cycles: Vec<String> = exceeded
        .iter()
        .map(|u| u.cycle_start.format("%Y-%m").to_string())
        .collect();
    let latest = exceeded.last().expect("count > 0");
    Some(make(
        OpportunityKind::PlanUpgrade,
        0.35 + 0.05 * f64::from(count),
        vec![ev(
            "usage",
            format!("over the allowance in {}", cycles.join(", ")),
            format!("at least {} of the last {} complete cycles", section.min_months, section.months),
        )],
        text(
            format!("您近{}个月中有{count}个月超出当前套餐（{plan}）的额度，最近一次{}月使用流量{}MB、通话{}分钟，升级套餐可节省超出费用。", section.months, latest.cycle_start.format("%Y-%m"), latest.data_mb, latest.voice_minutes),
            format!("In {count} of the last {} months you went over your plan ({plan}); in {} you used {} MB and {} minutes. A bigger plan would save the overage charges.", section.months, latest.cycle_start.format("%Y-%m"), latest.data_mb, latest.voice_minutes),
        ),
        text(
            "按近三月实际用量推荐合适档位，说明新套餐月租与生效时间（次月生效），客户同意后办理。".to_owned(),
            "Recommend a tier that fits the last three months' usage, state the new fee and when it takes effect (next cycle), and change it only with the customer's consent.".to_owned(),
        ),
        CallReason::PlanChange,
        None,
    ))
}

fn contract_expiring(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.contract_expiring;
    let end = ctx.profile.account.contract_end?;
    if !within_ahead(end, ctx.now, section.days) {
        return None;
    }
    let left = (end - ctx.now).num_seconds() as f64 / 86_400.0;
    let urgency = if section.days == 0 {
        1.0
    } else {
        1.0 - left / f64::from(section.days)
    };
    let plan = ctx
        .profile
        .account
        .plan
        .as_ref()
        .map(|plan| plan.name.clone().unwrap_or_else(|| plan.code.clone()))
        .unwrap_or_else(|| "-".to_owned());
    Some(make(
        OpportunityKind::ContractExpiring,
        0.4 + 0.2 * urgency.clamp(0.0, 1.0),
        vec![ev("account.contract_end", date(end), format!("within {} days", section.days))],
        text(
            format!("您的合约（{plan}，月租{}元）将于{}到期，还有{:.0}天；现在续约可继续享受合约优惠。", ctx.profile.account.recurring_fee, date(end), left.ceil()),
            format!("Your contract ({plan}, {} a month) ends on {}, in {:.0} days; renewing now keeps the contract benefits.", ctx.profile.account.recurring_fee, date(end), left.ceil()),
        ),
        text(
            "介绍续约方案与到期后资费变化；客户不续约的说明到期后按标准资费计费。".to_owned(),
            "Present the renewal options and how the price changes at expiry; if the customer declines, explain the standard tariff that applies afterwards.".to_owned(),
        ),
        CallReason::PlanChange,
        None,
    ))
}

fn bill_shock(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.bill_shock;
    let bills = &ctx.bills;
    let previous = section.previous as usize;
    if bills.len() < previous + 1 {
        return None;
    }
    let current = bills[bills.len() - 1];
    let before = &bills[bills.len() - 1 - previous..bills.len() - 1];
    let sum: i64 = before.iter().map(|bill| bill.amount.minor_units()).sum();
    let amount = current.amount.minor_units();
    // current >= factor × sum / n, compared without dividing.
    if amount <= 0 || (amount as f64) * (previous as f64) < section.factor * sum as f64 {
        return None;
    }
    let average = Money::from_minor(sum / previous as i64);
    let ratio = if sum > 0 {
        amount as f64 * previous as f64 / sum as f64
    } else {
        f64::INFINITY
    };
    let score = (0.55 + 0.1 * (ratio - section.factor).min(3.0)).min(0.85);
    let (roaming_zh, roaming_en) = if current.roaming_amount.minor_units() > 0 {
        (
            format!("，其中国际漫游{}元", current.roaming_amount),
            format!(", of which {} is roaming", current.roaming_amount),
        )
    } else {
        (String::new(), String::new())
    };
    let ratio_text = if ratio.is_finite() {
        format!("{ratio:.1}")
    } else {
        "∞".to_owned()
    };
    Some(make(
        OpportunityKind::BillShock,
        score,
        vec![ev(
            format!("bills[{}].amount", current.id),
            current.amount.to_string(),
            format!("at least {} × {average} (average of the {previous} bills before)", section.factor),
        )],
        text(
            format!("您本期账单（{}）金额{}元{roaming_zh}，是前{previous}期平均{average}元的{ratio_text}倍。我们为您逐项核对。", current.id, current.amount),
            format!("Your current bill ({}) is {}{roaming_en}, {ratio_text} times the average {average} of the {previous} bills before. Let us go through it item by item.", current.id, current.amount),
        ),
        text(
            "逐项解释费用构成（超套、增值业务、漫游、一次性费用）；确认不明扣费时按流程提交核查或退订。".to_owned(),
            "Explain the bill line by line (overage, value-added services, roaming, one-off charges); raise a review or unsubscribe when a charge is not recognised.".to_owned(),
        ),
        CallReason::BillingQuestion,
        Some(current.id.clone()),
    ))
}

fn watch_list(ctx: &Ctx) -> Option<Opportunity> {
    let section = &ctx.config.watch_list;
    let member = ctx.profile.watch_lists.iter().find(|member| {
        member.added_at <= ctx.now
            && member.removed_at.is_none_or(|removed| removed > ctx.now)
            && if section.lists.is_empty() {
                !ctx.config.roaming_bill.lists.contains(&member.list)
            } else {
                section.lists.contains(&member.list)
            }
    })?;
    let guidance = member.guidance.clone();
    Some(make(
        OpportunityKind::WatchList,
        0.45,
        vec![ev(
            "watch_lists.list",
            member.list.clone(),
            if section.lists.is_empty() {
                "any push list".to_owned()
            } else {
                format!("one of {:?}", section.lists)
            },
        )],
        text(
            format!(
                "客户在服务推送名单“{}”中（{}加入）。",
                member.list,
                date(member.added_at)
            ),
            format!(
                "The customer is on push list \"{}\" (since {}).",
                member.list,
                date(member.added_at)
            ),
        ),
        text(
            guidance
                .clone()
                .unwrap_or_else(|| "按该名单的服务口径主动告知客户。".to_owned()),
            guidance.unwrap_or_else(|| "Tell the customer what this list's guidance prescribes.".to_owned()),
        ),
        CallReason::Other,
        Some(member.list.clone()),
    ))
}
