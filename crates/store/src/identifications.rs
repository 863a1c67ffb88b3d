//! Identification results: a place's method computed over an uploaded table, stored with who
//! computed it and from which file, preliminary until the region's coordinator confirms it.
//! Both acts are appended to the audit log in their own transaction.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditEntry, append};
use crate::{Store, StoreError};

/// One school's outcome, as computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifiedSchool {
    /// The school's organisation id.
    pub school: String,
    /// Its name as the table gave it.
    pub name: String,
    /// The method's category ids it is assigned to.
    pub categories: Vec<String>,
    /// The programme form's status code those stand for, if any.
    pub status: Option<String>,
    /// The reasons, in Russian.
    pub reasons: Vec<String>,
}

/// A computation to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentification {
    /// The region.
    pub region: String,
    /// The municipality, when the method (and the table) is a municipality's.
    pub municipality: Option<String>,
    /// The year the identification is for.
    pub year: i32,
    /// The method's id and version.
    pub method_id: String,
    /// The method's version.
    pub method_version: String,
    /// SHA-256 (hex) of the uploaded file's bytes.
    pub input_sha256: String,
    /// Who computed it (a user id).
    pub computed_by: String,
    /// Every school's outcome.
    pub schools: Vec<IdentifiedSchool>,
}

/// A stored computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    /// Its number.
    pub id: i64,
    /// The region.
    pub region: String,
    /// The municipality, if the method is a municipality's.
    pub municipality: Option<String>,
    /// The year.
    pub year: i32,
    /// The method's id.
    pub method_id: String,
    /// The method's version.
    pub method_version: String,
    /// SHA-256 of the input file.
    pub input_sha256: String,
    /// Who computed it.
    pub computed_by: String,
    /// When (UTC, RFC 3339).
    pub computed_at: String,
    /// Who confirmed it, once confirmed.
    pub confirmed_by: Option<String>,
    /// When it was confirmed.
    pub confirmed_at: Option<String>,
    /// Every school's outcome, in table order.
    pub schools: Vec<IdentifiedSchool>,
}

impl Identification {
    /// Whether it takes effect.
    pub fn confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// What confirming did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Confirmed now.
    Now(Identification),
    /// It was confirmed before; nothing changed.
    Already(Identification),
    /// No such identification.
    Unknown,
}

pub(crate) const COLUMNS: &str =
    "id, region, municipality, year, method_id, method_version, input_sha256,
    computed_by, computed_at, confirmed_by, confirmed_at";

/// The columns of `identified_schools` that [`school`] reads, in its order.
pub(crate) const SCHOOL_COLUMNS: &str = "school, name, categories, status, reasons";

fn header(row: &Row<'_>) -> rusqlite::Result<Identification> {
    Ok(Identification {
        id: row.get(0)?,
        region: row.get(1)?,
        municipality: row.get(2)?,
        year: row.get(3)?,
        method_id: row.get(4)?,
        method_version: row.get(5)?,
        input_sha256: row.get(6)?,
        computed_by: row.get(7)?,
        computed_at: row.get(8)?,
        confirmed_by: row.get(9)?,
        confirmed_at: row.get(10)?,
        schools: Vec::new(),
    })
}

pub(crate) fn json_list(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

fn school(row: &Row<'_>) -> rusqlite::Result<IdentifiedSchool> {
    Ok(IdentifiedSchool {
        school: row.get(0)?,
        name: row.get(1)?,
        categories: json_list(row.get(2)?),
        status: row.get(3)?,
        reasons: json_list(row.get(4)?),
    })
}

fn schools_of(conn: &Connection, id: i64) -> rusqlite::Result<Vec<IdentifiedSchool>> {
    conn.prepare_cached(&format!(
        "SELECT {SCHOOL_COLUMNS} FROM identified_schools
         WHERE identification = ?1 ORDER BY rowid"
    ))?
    .query_map([id], school)?
    .collect()
}

fn load(conn: &Connection, id: i64) -> rusqlite::Result<Option<Identification>> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM identifications WHERE id = ?1"),
            [id],
            header,
        )
        .optional()?;
    found
        .map(|mut identification| {
            identification.schools = schools_of(conn, id)?;
            Ok(identification)
        })
        .transpose()
}

/// The audit row of storing `new` as identification `id`.
pub(crate) fn identify_entry(new: &NewIdentification, id: i64) -> AuditEntry {
    let assigned = new
        .schools
        .iter()
        .filter(|s| !s.categories.is_empty())
        .count();
    AuditEntry {
        actor: new.computed_by.clone(),
        action: "identify".to_owned(),
        subject: format!("identification:{id}"),
        heads: String::new(),
        details: serde_json::json!({
            "region": new.region,
            "municipality": new.municipality,
            "year": new.year,
            "method": format!("{} {}", new.method_id, new.method_version),
            "input_sha256": new.input_sha256,
            "schools": new.schools.len(),
            "assigned": assigned,
        }),
    }
}

/// The audit row of `by` confirming `found`.
pub(crate) fn confirm_entry(found: &Identification, by: &str) -> AuditEntry {
    AuditEntry {
        actor: by.to_owned(),
        action: "confirm-identification".to_owned(),
        subject: format!("identification:{}", found.id),
        heads: String::new(),
        details: serde_json::json!({
            "region": found.region,
            "municipality": found.municipality,
            "year": found.year,
            "input_sha256": found.input_sha256,
        }),
    }
}

impl Store {
    /// Stores a computation, preliminary, with its audit row (`identify`).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the write fails.
    pub fn add_identification(
        &self,
        new: &NewIdentification,
    ) -> Result<Identification, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.add_identification(new);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO identifications (region, municipality, year, method_id,
                    method_version, input_sha256, computed_by, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                params![
                    new.region,
                    new.municipality,
                    new.year,
                    new.method_id,
                    new.method_version,
                    new.input_sha256,
                    new.computed_by
                ],
            )?;
            let id = tx.last_insert_rowid();
            for school in &new.schools {
                tx.prepare_cached(
                    "INSERT INTO identified_schools
                        (identification, school, name, categories, status, reasons)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    id,
                    school.school,
                    school.name,
                    serde_json::to_string(&school.categories).unwrap_or_default(),
                    school.status,
                    serde_json::to_string(&school.reasons).unwrap_or_default(),
                ])?;
            }
            append(&tx, &identify_entry(new, id))?;
            let stored = load(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(stored)
        })
    }

    /// Confirms a preliminary computation (audit row `confirm-identification`); from then on it
    /// takes effect. Confirming one already confirmed changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the write fails.
    pub fn confirm_identification(&self, id: i64, by: &str) -> Result<Confirmed, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.confirm_identification(id, by);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let Some(found) = load(&tx, id)? else {
                return Ok(Confirmed::Unknown);
            };
            if found.confirmed() {
                return Ok(Confirmed::Already(found));
            }
            tx.execute(
                "UPDATE identifications SET confirmed_by = ?2,
                    confirmed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
                params![id, by],
            )?;
            append(&tx, &confirm_entry(&found, by))?;
            let confirmed = load(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(Confirmed::Now(confirmed))
        })
    }

    /// One computation with its schools.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn identification(&self, id: i64) -> Result<Option<Identification>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.identification(id);
        }
        self.read(|conn| load(conn, id))
    }

    /// A region's computations, newest first, with their schools.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn identifications_of(&self, region: &str) -> Result<Vec<Identification>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.identifications_of(region);
        }
        self.read(|conn| {
            let headers: Vec<Identification> = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM identifications WHERE region = ?1 ORDER BY id DESC"
                ))?
                .query_map([region], header)?
                .collect::<rusqlite::Result<_>>()?;
            headers
                .into_iter()
                .map(|mut identification| {
                    identification.schools = schools_of(conn, identification.id)?;
                    Ok(identification)
                })
                .collect()
        })
    }

    /// The identification in effect for a school: from the confirmed computations naming it,
    /// the one for the latest year, and of those the last confirmed. `None` when no confirmed
    /// computation names the school. The header's `schools` holds only this school.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn identification_in_effect(
        &self,
        school: &str,
    ) -> Result<Option<Identification>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.identification_in_effect(school);
        }
        self.read(|conn| {
            let found = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM identifications WHERE id = (
                         SELECT i.id FROM identifications i
                         JOIN identified_schools s ON s.identification = i.id
                         WHERE s.school = ?1 AND i.confirmed_at IS NOT NULL
                         ORDER BY i.year DESC, i.confirmed_at DESC, i.id DESC LIMIT 1)"
                ))?
                .query_row([school], header)
                .optional()?;
            found
                .map(|mut identification| {
                    identification.schools = conn
                        .prepare_cached(&format!(
                            "SELECT {SCHOOL_COLUMNS} FROM identified_schools
                             WHERE identification = ?1 AND school = ?2"
                        ))?
                        .query_map(params![identification.id, school], self::school)?
                        .collect::<rusqlite::Result<_>>()?;
                    Ok(identification)
                })
                .transpose()
        })
    }
}
