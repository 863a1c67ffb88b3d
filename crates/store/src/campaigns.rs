//! Campaigns: a region's call for documents in one year — which documents each category of
//! school owes, which schools are in it (each with its category and where that came from), the
//! deadlines for submission and for the municipality's decision — and the reminders the server
//! records for schools that owe a document as a deadline nears or passes. Opening a campaign
//! and recording a reminder are audited in the transaction that stores them.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use workflow::{FormKind, OrgId, UserId};

use crate::audit::{AuditEntry, append};
use crate::{Store, StoreError};

/// Where a school's place in a campaign (and its category) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchoolSource {
    /// The coordinator listed it when opening the campaign.
    Listed,
    /// Taken from the organisations data: every school of the region, a supported school's
    /// category `supported`, a mentor school's `mentor`.
    Organisations,
    /// Taken from the region's confirmed identification of schools for the campaign's year.
    Identification,
}

impl SchoolSource {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SchoolSource::Listed => "listed",
            SchoolSource::Organisations => "organisations",
            SchoolSource::Identification => "identification",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<SchoolSource> {
        [
            SchoolSource::Listed,
            SchoolSource::Organisations,
            SchoolSource::Identification,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A school taking part in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignSchool {
    /// The school.
    pub school: OrgId,
    /// Its category for the campaign (a key of [`NewCampaign::owes`]).
    pub category: String,
    /// Where that came from.
    pub source: SchoolSource,
}

/// A campaign to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    /// The region (an organisation of kind region).
    pub region: OrgId,
    /// The year the documents are for.
    pub year: i32,
    /// Its title, as people call it.
    pub title: String,
    /// The last day to submit (`YYYY-MM-DD`).
    pub submit_by: String,
    /// The last day for the municipality's decision (`YYYY-MM-DD`).
    pub decide_by: String,
    /// How many days before `submit_by` a school that has not submitted is reminded.
    pub remind_days: u32,
    /// Which documents each category of school owes.
    pub owes: BTreeMap<String, Vec<FormKind>>,
    /// The schools in it.
    pub schools: Vec<CampaignSchool>,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Its number.
    pub id: i64,
    /// What was opened.
    #[serde(flatten)]
    pub campaign: CampaignFields,
    /// Who opened it.
    pub opened_by: UserId,
    /// When (UTC, RFC 3339).
    pub opened_at: String,
}

/// The fields of a campaign as stored (a [`NewCampaign`] that serialises).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignFields {
    /// The region.
    pub region: OrgId,
    /// The year.
    pub year: i32,
    /// The title.
    pub title: String,
    /// The last day to submit.
    pub submit_by: String,
    /// The last day for the municipality's decision.
    pub decide_by: String,
    /// Days of warning before `submit_by`.
    pub remind_days: u32,
    /// Which documents each category owes (form ids).
    pub owes: BTreeMap<String, Vec<FormKind>>,
    /// The schools.
    pub schools: Vec<CampaignSchool>,
}

/// Why a school is reminded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReminderKind {
    /// The submission deadline is near and the document is not submitted.
    DueSoon,
    /// The submission deadline has passed and the document is not submitted.
    Late,
}

impl ReminderKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueSoon => "due-soon",
            ReminderKind::Late => "late",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<ReminderKind> {
        match text {
            "due-soon" => Some(ReminderKind::DueSoon),
            "late" => Some(ReminderKind::Late),
            _ => None,
        }
    }
}

/// A reminder to a school: a document it owes in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// Its number.
    pub id: i64,
    /// The campaign.
    pub campaign: i64,
    /// The school reminded.
    pub school: OrgId,
    /// The document owed.
    pub form: FormKind,
    /// Why.
    pub kind: ReminderKind,
    /// The deadline it is about (`YYYY-MM-DD`).
    pub due: String,
    /// When it was recorded (UTC, RFC 3339).
    pub created_at: String,
}

/// A reminder due: campaign, school, form owed, kind and deadline (`YYYY-MM-DD`).
pub type DueReminder = (i64, OrgId, FormKind, ReminderKind, String);

/// The audit row of `by` opening `new`, stored as `stored`.
pub(crate) fn open_entry(new: &NewCampaign, stored: &Campaign, by: &UserId) -> AuditEntry {
    AuditEntry {
        actor: by.as_str().to_owned(),
        action: "open-campaign".to_owned(),
        subject: format!("campaign:{}", stored.id),
        heads: String::new(),
        details: serde_json::json!({
            "region": new.region,
            "year": new.year,
            "title": new.title,
            "submit_by": new.submit_by,
            "decide_by": new.decide_by,
            "remind_days": new.remind_days,
            "owes": stored.campaign.owes,
            "schools": new.schools.len(),
        }),
    }
}

/// The audit row of a reminder recorded.
pub(crate) fn remind_entry(
    campaign: i64,
    school: &OrgId,
    form: FormKind,
    kind: ReminderKind,
    deadline: &str,
) -> AuditEntry {
    AuditEntry {
        actor: "system".to_owned(),
        action: "remind".to_owned(),
        subject: school.as_str().to_owned(),
        heads: String::new(),
        details: serde_json::json!({
            "campaign": campaign,
            "form": form.form_id(),
            "kind": kind.as_str(),
            "due": deadline,
        }),
    }
}

/// Orders each category's forms as [`FormKind::ALL`] does (both engines read them sorted by
/// form id first).
pub(crate) fn sort_forms(owes: &mut BTreeMap<String, Vec<FormKind>>) {
    for forms in owes.values_mut() {
        forms.sort_by_key(|f| FormKind::ALL.iter().position(|k| k == f));
    }
}

impl Store {
    /// Stores a campaign and its schools, with an `open-campaign` audit row, in one
    /// transaction; returns it as stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownOrganisation`] for a region or school that does not exist;
    /// [`StoreError::Sqlite`] if the database fails.
    pub fn open_campaign(&self, new: &NewCampaign, by: &UserId) -> Result<Campaign, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.open_campaign(new, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for org in std::iter::once(&new.region).chain(new.schools.iter().map(|s| &s.school)) {
                let known: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM organisations WHERE id = ?1",
                        [org.as_str()],
                        |row| row.get(0),
                    )
                    .optional()?;
                if known.is_none() {
                    return Ok(Err(StoreError::UnknownOrganisation { id: org.clone() }));
                }
            }
            tx.execute(
                "INSERT INTO campaigns (region, year, title, submit_by, decide_by, remind_days,
                     opened_by, opened_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                params![
                    new.region.as_str(),
                    new.year,
                    new.title,
                    new.submit_by,
                    new.decide_by,
                    new.remind_days,
                    by.as_str(),
                ],
            )?;
            let id = tx.last_insert_rowid();
            for (category, forms) in &new.owes {
                for form in forms {
                    tx.execute(
                        "INSERT OR IGNORE INTO campaign_obligations (campaign, category, form)
                         VALUES (?1, ?2, ?3)",
                        params![id, category, form.form_id()],
                    )?;
                }
            }
            for school in &new.schools {
                tx.execute(
                    "INSERT INTO campaign_schools (campaign, school, category, source)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        id,
                        school.school.as_str(),
                        school.category,
                        school.source.as_str()
                    ],
                )?;
            }
            let stored = load_campaign(&tx, id)?.expect("inserted above");
            append(&tx, &open_entry(new, &stored, by))?;
            tx.commit()?;
            Ok(Ok(stored))
        })?
    }

    /// The campaign with this number.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.campaign(id);
        }
        self.read(|conn| load_campaign(conn, id))
    }

    /// Every campaign, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.campaigns();
        }
        self.read(|conn| {
            let ids: Vec<i64> = conn
                .prepare("SELECT id FROM campaigns ORDER BY id DESC")?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(load_campaign(conn, id)?);
            }
            Ok(out)
        })
    }

    /// Records the reminders in `due` not recorded before (one per campaign, school, form and
    /// kind), each with a `remind` audit row, in one transaction; returns those newly recorded.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the database fails (a campaign or school that does not exist
    /// breaks a foreign key).
    pub fn record_reminders(&self, due: &[DueReminder]) -> Result<Vec<Reminder>, StoreError> {
        if due.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(pg) = self.postgres() {
            return pg.record_reminders(due);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added = Vec::new();
            for (campaign, school, form, kind, deadline) in due {
                let inserted = tx.execute(
                    "INSERT OR IGNORE INTO reminders (campaign, school, form, kind, due, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    params![
                        campaign,
                        school.as_str(),
                        form.form_id(),
                        kind.as_str(),
                        deadline
                    ],
                )?;
                if inserted == 0 {
                    continue;
                }
                let id = tx.last_insert_rowid();
                append(
                    &tx,
                    &remind_entry(*campaign, school, *form, *kind, deadline),
                )?;
                added.extend(
                    load_reminders(&tx, "WHERE id = ?1", params![id])?
                        .into_iter()
                        .next(),
                );
            }
            tx.commit()?;
            Ok(added)
        })
    }

    /// Today's date in UTC (`YYYY-MM-DD`), from the clock the store's timestamps use.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn today(&self) -> Result<String, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.today();
        }
        self.read(|conn| conn.query_row("SELECT date('now')", [], |row| row.get(0)))
    }

    /// The day `days` days after `day` (before it when negative); `None` when `day` is not a
    /// calendar date `YYYY-MM-DD` (so this also checks a date a client sent).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn add_days(&self, day: &str, days: i64) -> Result<Option<String>, StoreError> {
        if self.postgres().is_some() {
            return Ok(crate::calendar::add_days(day, days));
        }
        self.read(|conn| {
            conn.query_row(
                "SELECT CASE WHEN length(?1) = 10 AND date(?1) = ?1
                        THEN date(?1, printf('%+d days', ?2)) END",
                params![day, days],
                |row| row.get(0),
            )
        })
    }

    /// The reminders recorded for `school`, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn reminders_of(&self, school: &OrgId) -> Result<Vec<Reminder>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.reminders_of(school);
        }
        self.read(|conn| {
            load_reminders(
                conn,
                "WHERE school = ?1 ORDER BY id DESC",
                params![school.as_str()],
            )
        })
    }
}

fn load_campaign(conn: &Connection, id: i64) -> rusqlite::Result<Option<Campaign>> {
    let head = conn
        .query_row(
            "SELECT region, year, title, submit_by, decide_by, remind_days, opened_by, opened_at
             FROM campaigns WHERE id = ?1",
            [id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i32>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, u32>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((region, year, title, submit_by, decide_by, remind_days, opened_by, opened_at)) = head
    else {
        return Ok(None);
    };
    let mut owes: BTreeMap<String, Vec<FormKind>> = BTreeMap::new();
    let mut statement = conn.prepare(
        "SELECT category, form FROM campaign_obligations WHERE campaign = ?1
         ORDER BY category, form",
    )?;
    let rows = statement.query_map([id], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (category, form) = row?;
        let form = form.parse::<FormKind>().map_err(|e| bad_column(2, e))?;
        owes.entry(category).or_default().push(form);
    }
    sort_forms(&mut owes);
    let mut statement = conn.prepare(
        "SELECT school, category, source FROM campaign_schools WHERE campaign = ?1
         ORDER BY school",
    )?;
    let schools = statement
        .query_map([id], |row| {
            let source: String = row.get(2)?;
            Ok(CampaignSchool {
                school: OrgId::new(row.get::<_, String>(0)?),
                category: row.get(1)?,
                source: SchoolSource::parse(&source)
                    .ok_or_else(|| bad_column(2, format!("unknown source {source:?}")))?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(Campaign {
        id,
        campaign: CampaignFields {
            region: OrgId::new(region),
            year,
            title,
            submit_by,
            decide_by,
            remind_days,
            owes,
            schools,
        },
        opened_by: UserId::new(opened_by),
        opened_at,
    }))
}

fn load_reminders(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Reminder>> {
    let mut statement = conn.prepare(&format!(
        "SELECT id, campaign, school, form, kind, due, created_at FROM reminders {clause}"
    ))?;
    statement
        .query_map(args, |row| {
            let form: String = row.get(3)?;
            let kind: String = row.get(4)?;
            Ok(Reminder {
                id: row.get(0)?,
                campaign: row.get(1)?,
                school: OrgId::new(row.get::<_, String>(2)?),
                form: form.parse::<FormKind>().map_err(|e| bad_column(3, e))?,
                kind: ReminderKind::parse(&kind)
                    .ok_or_else(|| bad_column(4, format!("unknown kind {kind:?}")))?,
                due: row.get(5)?,
                created_at: row.get(6)?,
            })
        })?
        .collect()
}

/// A stored value this code cannot read (written by a newer version, or edited by hand).
fn bad_column(column: usize, error: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        error.to_string().into(),
    )
}
