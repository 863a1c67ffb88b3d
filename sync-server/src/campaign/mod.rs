//! Campaigns judged from the server's records: what each school of a campaign owes, where each
//! document stands against the deadlines (`status`), the reminders that follows from it
//! (`reminders`), and the status as a CSV or XLSX file (`export`). Pure functions over
//! records; the handlers are `api::campaigns`.

pub mod export;
pub mod reminders;
pub mod status;

/// The categories of school a campaign knows by default, with their Russian names; a campaign
/// may name others (from a region's identification), shown by their id.
pub const CATEGORIES: [(&str, &str); 2] = [
    ("supported", "школа с низкими результатами"),
    ("mentor", "школа-наставник"),
];

/// The Russian name of a category, or the id itself for one the server does not know.
pub fn category_ru(category: &str) -> String {
    CATEGORIES
        .iter()
        .find(|(id, _)| *id == category)
        .map_or_else(|| category.to_owned(), |(_, ru)| (*ru).to_owned())
}
