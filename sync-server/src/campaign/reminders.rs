//! Which reminders a campaign's status calls for, and what a reminder says.
//!
//! The rule: a school is reminded of each document it owes and has not submitted — once
//! «скоро срок» (`due-soon`) from `remind_days` days before `submit_by` up to that day, and once
//! «срок прошёл» (`late`) after it. Reminders are recorded (never sent: there is no mail
//! server), once each, whenever a campaign's status is computed: by its views and by
//! [`watch`], every [`INTERVAL`].

use std::future::Future;
use std::time::Duration;

use api_types::{ObligationRow, ReminderView};
use store::{Campaign, Reminder, ReminderKind};
use workflow::{FormKind, OrgId};

use crate::state::AppState;

/// How often the server computes every campaign's reminders on its own.
pub const INTERVAL: Duration = Duration::from_secs(600);

/// The reminders `rows` (a campaign's status on `today`) call for; `remind_from` is the first
/// day of the warning (`remind_days` before `submit_by`).
pub fn due(
    campaign: &Campaign,
    rows: &[ObligationRow],
    today: &str,
    remind_from: &str,
) -> Vec<(i64, OrgId, FormKind, ReminderKind, String)> {
    let submit_by = campaign.campaign.submit_by.as_str();
    let kind = if today > submit_by {
        ReminderKind::Late
    } else if today >= remind_from {
        ReminderKind::DueSoon
    } else {
        return Vec::new();
    };
    rows.iter()
        .filter(|row| row.submitted_at.is_none())
        .filter_map(|row| {
            Some((
                campaign.id,
                OrgId::new(row.school.as_str()),
                row.form.parse::<FormKind>().ok()?,
                kind,
                submit_by.to_owned(),
            ))
        })
        .collect()
}

/// A stored reminder as the school reads it.
pub fn view(reminder: &Reminder, campaign_title: &str) -> ReminderView {
    let form = reminder.form.label_ru();
    let due = russian_date(&reminder.due);
    let message = match reminder.kind {
        ReminderKind::DueSoon => {
            format!("Скоро срок: «{form}» нужно подать до {due} ({campaign_title}).")
        }
        ReminderKind::Late => {
            format!("Срок прошёл: «{form}» нужно было подать до {due} ({campaign_title}).")
        }
    };
    ReminderView {
        id: reminder.id,
        campaign: reminder.campaign,
        campaign_title: campaign_title.to_owned(),
        school: reminder.school.as_str().to_owned(),
        form: reminder.form.form_id().to_owned(),
        kind: reminder.kind.as_str().to_owned(),
        due: reminder.due.clone(),
        created_at: reminder.created_at.clone(),
        message,
    }
}

/// `2026-09-30` as «30.09.2026».
pub fn russian_date(day: &str) -> String {
    match (day.get(..4), day.get(5..7), day.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => day.to_owned(),
    }
}

/// Records every campaign's due reminders every [`INTERVAL`] until `stop` resolves.
pub async fn watch(state: AppState, stop: impl Future<Output = ()> + Send + 'static) {
    let mut stop = std::pin::pin!(stop);
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {
                if let Err(e) = crate::api::campaigns::remind_all(&state).await {
                    tracing::warn!(error = ?e, "could not record campaign reminders");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::CampaignFields;
    use workflow::UserId;

    fn campaign() -> Campaign {
        Campaign {
            id: 7,
            campaign: CampaignFields {
                region: OrgId::new("lipetsk"),
                year: 2026,
                title: "Кампания".into(),
                submit_by: "2026-09-30".into(),
                decide_by: "2026-10-31".into(),
                remind_days: 14,
                owes: Default::default(),
                schools: Vec::new(),
            },
            opened_by: UserId::new("coordinator"),
            opened_at: String::new(),
        }
    }

    fn row(school: &str, submitted: bool) -> ObligationRow {
        ObligationRow {
            school: school.into(),
            form: "school-programme".into(),
            submitted_at: submitted.then(|| "2026-09-01T00:00:00Z".to_owned()),
            ..ObligationRow::default()
        }
    }

    #[test]
    fn reminds_only_unsubmitted_rows_within_the_warning_and_after_the_deadline() {
        let rows = [row("a", false), row("b", true)];
        assert!(due(&campaign(), &rows, "2026-09-15", "2026-09-16").is_empty());
        let soon = due(&campaign(), &rows, "2026-09-16", "2026-09-16");
        assert_eq!(soon.len(), 1);
        assert_eq!(
            (soon[0].1.as_str(), soon[0].3),
            ("a", ReminderKind::DueSoon)
        );
        let on_the_day = due(&campaign(), &rows, "2026-09-30", "2026-09-16");
        assert_eq!(on_the_day[0].3, ReminderKind::DueSoon);
        let late = due(&campaign(), &rows, "2026-10-01", "2026-09-16");
        assert_eq!((late.len(), late[0].3), (1, ReminderKind::Late));
    }

    #[test]
    fn dates_read_the_russian_way() {
        assert_eq!(russian_date("2026-09-30"), "30.09.2026");
    }
}
