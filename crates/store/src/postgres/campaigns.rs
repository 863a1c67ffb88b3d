//! Campaigns and reminders on PostgreSQL; the same rows, audit rows and answers as SQLite's
//! `campaigns.rs`. A reminder is recorded once even when two processes record it at once
//! (`ON CONFLICT DO NOTHING` on its unique key; only the one that inserted audits it).

use std::collections::BTreeMap;

use postgres::GenericClient;
use workflow::{FormKind, OrgId, UserId};

use super::{NOW_TEXT, Postgres, append};
use crate::StoreError;
use crate::campaigns::{
    Campaign, CampaignFields, CampaignSchool, DueReminder, NewCampaign, Reminder, ReminderKind,
    SchoolSource, open_entry, remind_entry, sort_forms,
};

impl Postgres {
    /// See [`Store::open_campaign`](crate::Store::open_campaign).
    pub(crate) fn open_campaign(
        &self,
        new: &NewCampaign,
        by: &UserId,
    ) -> Result<Campaign, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            for org in std::iter::once(&new.region).chain(new.schools.iter().map(|s| &s.school)) {
                let known = tx
                    .query_opt(
                        "SELECT 1 FROM organisations WHERE id = $1",
                        &[&org.as_str()],
                    )?
                    .is_some();
                if !known {
                    return Err(StoreError::UnknownOrganisation { id: org.clone() });
                }
            }
            let id: i64 = tx
                .query_one(
                    &format!(
                        "INSERT INTO campaigns (region, year, title, submit_by, decide_by,
                             remind_days, opened_by, opened_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, {NOW_TEXT})
                         RETURNING id"
                    ),
                    &[
                        &new.region.as_str(),
                        &i64::from(new.year),
                        &new.title,
                        &new.submit_by,
                        &new.decide_by,
                        &i64::from(new.remind_days),
                        &by.as_str(),
                    ],
                )?
                .get(0);
            for (category, forms) in &new.owes {
                for form in forms {
                    tx.execute(
                        "INSERT INTO campaign_obligations (campaign, category, form)
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        &[&id, category, &form.form_id()],
                    )?;
                }
            }
            for school in &new.schools {
                tx.execute(
                    "INSERT INTO campaign_schools (campaign, school, category, source)
                     VALUES ($1, $2, $3, $4)",
                    &[
                        &id,
                        &school.school.as_str(),
                        &school.category,
                        &school.source.as_str(),
                    ],
                )?;
            }
            let stored = load_campaign(&mut tx, id)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("campaign {id} vanished while being opened"),
            })?;
            append(&mut tx, &open_entry(new, &stored, by))?;
            tx.commit()?;
            Ok(stored)
        })
    }

    /// See [`Store::campaign`](crate::Store::campaign).
    pub(crate) fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        self.run(|client| load_campaign(&mut **client, id))
    }

    /// See [`Store::campaigns`](crate::Store::campaigns).
    pub(crate) fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        self.run(|client| {
            let ids: Vec<i64> = client
                .query("SELECT id FROM campaigns ORDER BY id DESC", &[])?
                .iter()
                .map(|row| row.get(0))
                .collect();
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(load_campaign(&mut **client, id)?);
            }
            Ok(out)
        })
    }

    /// See [`Store::record_reminders`](crate::Store::record_reminders).
    pub(crate) fn record_reminders(
        &self,
        due: &[DueReminder],
    ) -> Result<Vec<Reminder>, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let mut added = Vec::new();
            for (campaign, school, form, kind, deadline) in due {
                let inserted = tx.query_opt(
                    &format!(
                        "INSERT INTO reminders (campaign, school, form, kind, due, created_at)
                         VALUES ($1, $2, $3, $4, $5, {NOW_TEXT})
                         ON CONFLICT DO NOTHING
                         RETURNING id"
                    ),
                    &[
                        campaign,
                        &school.as_str(),
                        &form.form_id(),
                        &kind.as_str(),
                        deadline,
                    ],
                )?;
                let Some(row) = inserted else {
                    continue;
                };
                let id: i64 = row.get(0);
                append(
                    &mut tx,
                    &remind_entry(*campaign, school, *form, *kind, deadline),
                )?;
                added.extend(load_reminders(&mut tx, "WHERE id = $1", &id)?);
            }
            tx.commit()?;
            Ok(added)
        })
    }

    /// See [`Store::today`](crate::Store::today): the database server's clock, in UTC.
    pub(crate) fn today(&self) -> Result<String, StoreError> {
        self.run(|client| {
            Ok(client
                .query_one(
                    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
                    &[],
                )?
                .get(0))
        })
    }

    /// See [`Store::reminders_of`](crate::Store::reminders_of).
    pub(crate) fn reminders_of(&self, school: &OrgId) -> Result<Vec<Reminder>, StoreError> {
        self.run(|client| {
            load_reminders(
                &mut **client,
                "WHERE school = $1 ORDER BY id DESC",
                &school.as_str(),
            )
        })
    }
}

/// Campaign `id` with its obligations and schools.
fn load_campaign(client: &mut impl GenericClient, id: i64) -> Result<Option<Campaign>, StoreError> {
    let Some(head) = client.query_opt(
        "SELECT region, year, title, submit_by, decide_by, remind_days, opened_by, opened_at
         FROM campaigns WHERE id = $1",
        &[&id],
    )?
    else {
        return Ok(None);
    };
    let corrupt = |what: String| StoreError::Corrupt { what };
    let year: i64 = head.get(1);
    let remind_days: i64 = head.get(5);
    let mut owes: BTreeMap<String, Vec<FormKind>> = BTreeMap::new();
    for row in client.query(
        "SELECT category, form FROM campaign_obligations WHERE campaign = $1
         ORDER BY category, form",
        &[&id],
    )? {
        let form: String = row.get(1);
        let form = form
            .parse::<FormKind>()
            .map_err(|e| corrupt(format!("campaign {id}: {e}")))?;
        owes.entry(row.get(0)).or_default().push(form);
    }
    sort_forms(&mut owes);
    let schools = client
        .query(
            "SELECT school, category, source FROM campaign_schools WHERE campaign = $1
             ORDER BY school",
            &[&id],
        )?
        .iter()
        .map(|row| {
            let source: String = row.get(2);
            Ok(CampaignSchool {
                school: OrgId::new(row.get::<_, String>(0)),
                category: row.get(1),
                source: SchoolSource::parse(&source)
                    .ok_or_else(|| corrupt(format!("campaign {id}: unknown source {source:?}")))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(Campaign {
        id,
        campaign: CampaignFields {
            region: OrgId::new(head.get::<_, String>(0)),
            year: i32::try_from(year).map_err(|_| corrupt(format!("campaign year {year}")))?,
            title: head.get(2),
            submit_by: head.get(3),
            decide_by: head.get(4),
            remind_days: u32::try_from(remind_days)
                .map_err(|_| corrupt(format!("campaign remind_days {remind_days}")))?,
            owes,
            schools,
        },
        opened_by: UserId::new(head.get::<_, String>(6)),
        opened_at: head.get(7),
    }))
}

/// The reminders `clause` (with one parameter, `arg`) selects.
fn load_reminders(
    client: &mut impl GenericClient,
    clause: &str,
    arg: &(dyn postgres::types::ToSql + Sync),
) -> Result<Vec<Reminder>, StoreError> {
    client
        .query(
            &format!(
                "SELECT id, campaign, school, form, kind, due, created_at FROM reminders {clause}"
            ),
            &[arg],
        )?
        .iter()
        .map(|row| {
            let form: String = row.get(3);
            let kind: String = row.get(4);
            let corrupt = |what: String| StoreError::Corrupt { what };
            Ok(Reminder {
                id: row.get(0),
                campaign: row.get(1),
                school: OrgId::new(row.get::<_, String>(2)),
                form: form
                    .parse::<FormKind>()
                    .map_err(|e| corrupt(format!("reminder: {e}")))?,
                kind: ReminderKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("reminder: unknown kind {kind:?}")))?,
                due: row.get(5),
                created_at: row.get(6),
            })
        })
        .collect()
}
