//! Identification results on PostgreSQL; the same rows, audit rows and answers as SQLite's
//! `identifications.rs`. A confirmation locks the computation's row first, so two
//! coordinators confirming at once confirm it once.

use postgres::GenericClient;

use super::{NOW_TEXT, Postgres, append};
use crate::StoreError;
use crate::identifications::{
    COLUMNS, Confirmed, Identification, IdentifiedSchool, NewIdentification, SCHOOL_COLUMNS,
    confirm_entry, identify_entry, json_list,
};

impl Postgres {
    /// See [`Store::add_identification`](crate::Store::add_identification).
    pub(crate) fn add_identification(
        &self,
        new: &NewIdentification,
    ) -> Result<Identification, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let id: i64 = tx
                .query_one(
                    &format!(
                        "INSERT INTO identifications (region, municipality, year, method_id,
                            method_version, input_sha256, computed_by, computed_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, {NOW_TEXT})
                         RETURNING id"
                    ),
                    &[
                        &new.region,
                        &new.municipality,
                        &i64::from(new.year),
                        &new.method_id,
                        &new.method_version,
                        &new.input_sha256,
                        &new.computed_by,
                    ],
                )?
                .get(0);
            let insert = tx.prepare(
                "INSERT INTO identified_schools
                    (identification, school, name, categories, status, reasons)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )?;
            for school in &new.schools {
                tx.execute(
                    &insert,
                    &[
                        &id,
                        &school.school,
                        &school.name,
                        &serde_json::to_string(&school.categories).unwrap_or_default(),
                        &school.status,
                        &serde_json::to_string(&school.reasons).unwrap_or_default(),
                    ],
                )?;
            }
            append(&mut tx, &identify_entry(new, id))?;
            let stored = load(&mut tx, id, false)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("identification {id} vanished while being stored"),
            })?;
            tx.commit()?;
            Ok(stored)
        })
    }

    /// See [`Store::confirm_identification`](crate::Store::confirm_identification).
    pub(crate) fn confirm_identification(
        &self,
        id: i64,
        by: &str,
    ) -> Result<Confirmed, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let Some(found) = load(&mut tx, id, true)? else {
                return Ok(Confirmed::Unknown);
            };
            if found.confirmed() {
                return Ok(Confirmed::Already(found));
            }
            tx.execute(
                &format!(
                    "UPDATE identifications SET confirmed_by = $2, confirmed_at = {NOW_TEXT}
                     WHERE id = $1"
                ),
                &[&id, &by],
            )?;
            append(&mut tx, &confirm_entry(&found, by))?;
            let confirmed = load(&mut tx, id, false)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("identification {id} vanished while being confirmed"),
            })?;
            tx.commit()?;
            Ok(Confirmed::Now(confirmed))
        })
    }

    /// See [`Store::identification`](crate::Store::identification).
    pub(crate) fn identification(&self, id: i64) -> Result<Option<Identification>, StoreError> {
        self.run(|client| load(&mut **client, id, false))
    }

    /// See [`Store::identifications_of`](crate::Store::identifications_of).
    pub(crate) fn identifications_of(
        &self,
        region: &str,
    ) -> Result<Vec<Identification>, StoreError> {
        self.run(|client| {
            let headers = client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM identifications WHERE region = $1 ORDER BY id DESC"
                    ),
                    &[&region],
                )?
                .iter()
                .map(header)
                .collect::<Result<Vec<_>, _>>()?;
            headers
                .into_iter()
                .map(|mut identification| {
                    identification.schools = schools_of(&mut **client, identification.id)?;
                    Ok(identification)
                })
                .collect()
        })
    }

    /// See [`Store::identification_in_effect`](crate::Store::identification_in_effect).
    pub(crate) fn identification_in_effect(
        &self,
        school: &str,
    ) -> Result<Option<Identification>, StoreError> {
        self.run(|client| {
            let found = client
                .query_opt(
                    &format!(
                        "SELECT {COLUMNS} FROM identifications WHERE id = (
                             SELECT i.id FROM identifications i
                             JOIN identified_schools s ON s.identification = i.id
                             WHERE s.school = $1 AND i.confirmed_at IS NOT NULL
                             ORDER BY i.year DESC, i.confirmed_at DESC, i.id DESC LIMIT 1)"
                    ),
                    &[&school],
                )?
                .as_ref()
                .map(header)
                .transpose()?;
            found
                .map(|mut identification| {
                    identification.schools = client
                        .query(
                            &format!(
                                "SELECT {SCHOOL_COLUMNS} FROM identified_schools
                                 WHERE identification = $1 AND school = $2"
                            ),
                            &[&identification.id, &school],
                        )?
                        .iter()
                        .map(school_from_row)
                        .collect();
                    Ok(identification)
                })
                .transpose()
        })
    }
}

/// Identification `id` with its schools, locking its row when `for_update`.
fn load(
    client: &mut impl GenericClient,
    id: i64,
    for_update: bool,
) -> Result<Option<Identification>, StoreError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let found = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM identifications WHERE id = $1{lock}"),
            &[&id],
        )?
        .as_ref()
        .map(header)
        .transpose()?;
    found
        .map(|mut identification| {
            identification.schools = schools_of(client, id)?;
            Ok(identification)
        })
        .transpose()
}

/// The schools of identification `id`, in the uploaded table's order.
fn schools_of(
    client: &mut impl GenericClient,
    id: i64,
) -> Result<Vec<IdentifiedSchool>, StoreError> {
    Ok(client
        .query(
            &format!(
                "SELECT {SCHOOL_COLUMNS} FROM identified_schools
                 WHERE identification = $1 ORDER BY seq"
            ),
            &[&id],
        )?
        .iter()
        .map(school_from_row)
        .collect())
}

/// A computation's header (its schools empty) from a row of [`COLUMNS`].
fn header(row: &postgres::Row) -> Result<Identification, StoreError> {
    let year: i64 = row.get(3);
    Ok(Identification {
        id: row.get(0),
        region: row.get(1),
        municipality: row.get(2),
        year: i32::try_from(year).map_err(|_| StoreError::Corrupt {
            what: format!("identification year {year}"),
        })?,
        method_id: row.get(4),
        method_version: row.get(5),
        input_sha256: row.get(6),
        computed_by: row.get(7),
        computed_at: row.get(8),
        confirmed_by: row.get(9),
        confirmed_at: row.get(10),
        schools: Vec::new(),
    })
}

/// A school's outcome from a row of [`SCHOOL_COLUMNS`].
fn school_from_row(row: &postgres::Row) -> IdentifiedSchool {
    IdentifiedSchool {
        school: row.get(0),
        name: row.get(1),
        categories: json_list(row.get(2)),
        status: row.get(3),
        reasons: json_list(row.get(4)),
    }
}
