//! The demo region of `sync-server --demo`: the Lipetsk structure of the source documents
//! (the region, two municipalities, supported schools and their mentor schools), one user per
//! role with a printed password, and documents in every state of their life, so that a
//! newcomer logs in and sees the whole workflow at once. Beside it the Republic of Mordovia
//! with two districts, Kadoshkino (which has requirements of its own) and Insar (which has
//! none), a school in each with its editor, and a Saransk mentor school.
//!
//! Loading is idempotent: a database that already has the region is left as it is and only
//! the users are printed again.

use std::path::Path;

use anyhow::Context;
use document::Author;
use serde_json::Value;
use store::{DocumentRecord, Pinned, Store};
use workflow::{
    Comment, DocumentRef, FormKind, Heads, OrgId, Organisation, Role, Transition, UserId,
};

use crate::admin::ADMIN_ACTOR;
use crate::api::lifecycle::{SubmissionContext, judge};
use crate::state::AppState;

/// The demo region's id (also its requirement set).
pub const REGION: &str = "lipetsk";

/// One demo user: login, name, role, where, password.
pub struct DemoUser {
    /// Login.
    pub login: &'static str,
    /// Name.
    pub name: &'static str,
    /// Role.
    pub role: Role,
    /// Organisation id.
    pub org: &'static str,
    /// Password (demo only: printed at start).
    pub password: &'static str,
}

const ORGANISATIONS: &[(&str, &str, Option<&str>, &str)] = &[
    ("lipetsk", "region", None, "Липецкая область"),
    (
        "krasninsky",
        "municipality",
        Some("lipetsk"),
        "Краснинский муниципальный район",
    ),
    (
        "lipetsk-city",
        "municipality",
        Some("lipetsk"),
        "Городской округ город Липецк",
    ),
    (
        "krasnoe",
        "school",
        Some("krasninsky"),
        "МБОУ СОШ с. Красное",
    ),
    (
        "sukhodol",
        "school",
        Some("krasninsky"),
        "МБОУ ООШ с. Суходол",
    ),
    (
        "lyceum-44",
        "mentor-school",
        Some("lipetsk-city"),
        "МАОУ «Лицей № 44» г. Липецка",
    ),
    (
        "gymnasium-12",
        "mentor-school",
        Some("lipetsk-city"),
        "МБОУ «Гимназия № 12» г. Липецка",
    ),
    // The Republic of Mordovia: Kadoshkino has requirements of its own
    // (`forms/regions/mordovia/municipalities/kadoshkino/`), Insar has none.
    ("mordovia", "region", None, "Республика Мордовия"),
    (
        "kadoshkino",
        "municipality",
        Some("mordovia"),
        "Кадошкинский муниципальный район",
    ),
    (
        "insar",
        "municipality",
        Some("mordovia"),
        "Инсарский муниципальный район",
    ),
    (
        "saransk",
        "municipality",
        Some("mordovia"),
        "Городской округ Саранск",
    ),
    (
        "kadoshkino-school",
        "school",
        Some("kadoshkino"),
        "МБОУ «Кадошкинская СОШ»",
    ),
    (
        "insar-school",
        "school",
        Some("insar"),
        "МБОУ «Инсарская СОШ № 1»",
    ),
    (
        "lyceum-26",
        "mentor-school",
        Some("saransk"),
        "МОУ «Лицей № 26» г. Саранска",
    ),
];

/// The demo users, one per role (and a second school's editor, who sees none of the first's).
pub const USERS: &[DemoUser] = &[
    DemoUser {
        login: "editor",
        name: "Котова Ирина Сергеевна",
        role: Role::SchoolEditor,
        org: "krasnoe",
        password: "demo-editor",
    },
    DemoUser {
        login: "director",
        name: "Пономарёва Татьяна Николаевна",
        role: Role::SchoolDirector,
        org: "krasnoe",
        password: "demo-director",
    },
    DemoUser {
        login: "mentor",
        name: "Белова Ольга Викторовна",
        role: Role::MentorEditor,
        org: "lyceum-44",
        password: "demo-mentor",
    },
    DemoUser {
        login: "mentor-director",
        name: "Гончаров Алексей Петрович",
        role: Role::MentorDirector,
        org: "lyceum-44",
        password: "demo-mentor-director",
    },
    DemoUser {
        login: "reviewer",
        name: "Сафонова Елена Ивановна",
        role: Role::MunicipalReviewer,
        org: "krasninsky",
        password: "demo-reviewer",
    },
    DemoUser {
        login: "coordinator",
        name: "Левченко Марина Юрьевна",
        role: Role::RegionalCoordinator,
        org: "lipetsk",
        password: "demo-coordinator",
    },
    DemoUser {
        login: "curator",
        name: "Жданов Павел Андреевич",
        role: Role::Curator,
        org: "lipetsk",
        password: "demo-curator",
    },
    DemoUser {
        login: "admin",
        name: "Администратор региона",
        role: Role::Administrator,
        org: "lipetsk",
        password: "demo-admin",
    },
    DemoUser {
        login: "sukhodol-editor",
        name: "Рябова Наталья Олеговна",
        role: Role::SchoolEditor,
        org: "sukhodol",
        password: "demo-sukhodol",
    },
    DemoUser {
        login: "kadoshkino-editor",
        name: "Кирдяшкина Светлана Ивановна",
        role: Role::SchoolEditor,
        org: "kadoshkino-school",
        password: "demo-kadoshkino",
    },
    DemoUser {
        login: "insar-editor",
        name: "Пиксаева Ольга Николаевна",
        role: Role::SchoolEditor,
        org: "insar-school",
        password: "demo-insar",
    },
    DemoUser {
        login: "mordovia-coordinator",
        name: "Ведяшкина Наталья Петровна",
        role: Role::RegionalCoordinator,
        org: "mordovia",
        password: "demo-mordovia-coordinator",
    },
];

/// Loads the demo region into the server unless it is there already, and prints how to log
/// in. Documents are made from `forms/examples/*.lipetsk.valid.json`.
///
/// # Errors
///
/// If the database fails or the examples are missing or no longer valid.
pub async fn load(state: &AppState, forms_dir: &Path) -> anyhow::Result<()> {
    let store = state.store.clone();
    let present = store
        .organisations()?
        .iter()
        .any(|org| org.id.as_str() == REGION);
    if !present {
        let setup = store.clone();
        tokio::task::spawn_blocking(move || people(&setup))
            .await
            .context("demo setup stopped")??;
        documents(state, forms_dir).await?;
        let setup = store.clone();
        tokio::task::spawn_blocking(move || campaign(&setup))
            .await
            .context("demo setup stopped")??;
        tracing::info!("demo region loaded");
    }
    print_users();
    Ok(())
}

fn people(store: &Store) -> anyhow::Result<()> {
    for (id, kind, parent, name) in ORGANISATIONS {
        let org = Organisation {
            id: OrgId::new(*id),
            kind: crate::admin::parse_kind(kind)?,
            parent: parent.map(OrgId::new),
            name: (*name).to_owned(),
        };
        store.add_organisation(&org, ADMIN_ACTOR)?;
    }
    for user in USERS {
        let id = store.add_user(user.login, user.name, user.password, ADMIN_ACTOR)?;
        store.grant(&id, &OrgId::new(user.org), user.role, ADMIN_ACTOR)?;
    }
    store.assign_curator(&UserId::new("curator"), &OrgId::new("krasnoe"), ADMIN_ACTOR)?;
    Ok(())
}

/// The demo campaign: every Lipetsk school, the default obligations (a supported school its
/// programme, agreement and policy change; a mentor school its policy change), submissions due
/// in 10 days and decisions in 40, reminders from 14 days before — so that it opens with
/// documents missing (Суходол's agreement, the mentor schools' policy changes) and schools
/// reminded.
fn campaign(store: &Store) -> anyhow::Result<()> {
    let today = store.today()?;
    let day = |offset: i64| -> anyhow::Result<String> {
        store
            .add_days(&today, offset)?
            .context("today is a calendar date")
    };
    let region = OrgId::new(REGION);
    let dir = crate::access::directory(store)?;
    let schools = dir
        .schools_within(&region)
        .map(|school| store::CampaignSchool {
            school: school.id.clone(),
            category: match school.kind {
                workflow::OrgKind::School { mentor: true } => "mentor",
                _ => "supported",
            }
            .to_owned(),
            source: store::SchoolSource::Organisations,
        })
        .collect();
    let year = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    store.open_campaign(
        &store::NewCampaign {
            region,
            year,
            title: format!("Программы и договоры {year} года"),
            submit_by: day(10)?,
            decide_by: day(40)?,
            remind_days: crate::api::campaigns::DEFAULT_REMIND_DAYS,
            owes: crate::api::campaigns::default_owes(),
            schools,
        },
        &UserId::new("coordinator"),
    )?;
    Ok(())
}

/// Documents of Красное with Лицей № 44 in every state, and a draft of Суходол.
async fn documents(state: &AppState, forms_dir: &Path) -> anyhow::Result<()> {
    use Step::{Approve, Collect, Return, Sign, Submit};
    // Form, owner school, mentor school, and what has happened to the document.
    let plans: [(FormKind, &str, &str, &[Step]); 5] = [
        (
            FormKind::SchoolProgramme,
            "krasnoe",
            "lyceum-44",
            &[Submit, Approve, Collect],
        ),
        (
            FormKind::PartnershipAgreement,
            "krasnoe",
            "lyceum-44",
            &[Submit, Sign("director")],
        ),
        (
            FormKind::StimulusPolicyChange,
            "krasnoe",
            "lyceum-44",
            &[Submit, Return],
        ),
        (FormKind::SchoolProgramme, "sukhodol", "gymnasium-12", &[]),
        (
            FormKind::StimulusPolicyChange,
            "sukhodol",
            "gymnasium-12",
            &[Submit, Approve],
        ),
    ];
    for (form, school, mentor, steps) in plans {
        let path = forms_dir
            .join("examples")
            .join(format!("{}.{REGION}.valid.json", form.form_id()));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut data: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if school == "sukhodol"
            && let Some(name) = data.pointer_mut("/school/short_name")
        {
            *name = "МБОУ ООШ с. Суходол".into();
        }
        let owner = USERS
            .iter()
            .find(|u| u.org == school)
            .map_or("editor", |u| u.login);
        let author = Author {
            id: owner.to_owned(),
            name: owner.to_owned(),
        };
        let doc = document::create(&state.catalogue, form.form_id(), REGION, &data, &author)
            .map_err(|e| anyhow::anyhow!(e.message_ru()))?;
        let handle = state.repo.create(doc).await.context("the repo stopped")?;
        let id = handle.document_id().to_string();
        let heads = handle.with_document(|doc| doc.get_heads());
        let content = handle
            .with_document(|doc| document::to_json_at(doc, &heads))
            .map_err(|e| anyhow::anyhow!(e.message_ru()))?;
        let reference = DocumentRef::new(
            id.as_str().into(),
            form,
            OrgId::new(school),
            Some(OrgId::new(mentor)),
        );
        let store = state.store.clone();
        let record = store.register_document(&reference, REGION, &UserId::new(owner))?;
        let dir = crate::access::directory(&store)?;
        let context = SubmissionContext::of(state, &dir, &record)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let today = store.today()?;
        let (_, pinned) = judge(&state.catalogue, &record, &context, &content, &today)
            .map_err(|_| anyhow::anyhow!("no requirement set for {}", form.form_id()))?;
        let pinned = pinned.with_context(|| format!("{} is not valid", path.display()))?;
        let heads = Heads::new(heads.iter().map(ToString::to_string));
        for step in steps {
            step.run(&store, &record, owner, &heads, &pinned)?;
        }
    }
    Ok(())
}

/// One step of a demo document's life.
#[derive(Clone, Copy)]
enum Step {
    Submit,
    Sign(&'static str),
    Approve,
    Return,
    Collect,
}

impl Step {
    fn run(
        self,
        store: &Store,
        record: &DocumentRecord,
        owner: &str,
        heads: &Heads,
        pinned: &Pinned,
    ) -> anyhow::Result<()> {
        let (actor, transition, pin) = match self {
            Step::Submit => (
                owner,
                Transition::Submit {
                    heads: heads.clone(),
                    content_sha256: Some(pinned.content_sha256.clone()),
                },
                Some(pinned),
            ),
            Step::Sign(director) => {
                let party = USERS
                    .iter()
                    .find(|u| u.login == director)
                    .map_or("krasnoe", |u| u.org);
                (
                    director,
                    Transition::Sign {
                        party: OrgId::new(party),
                    },
                    None,
                )
            }
            Step::Approve => ("reviewer", Transition::Approve, None),
            Step::Return => (
                "reviewer",
                Transition::Return {
                    comments: vec![Comment {
                        pointer: "/criteria/0/points".to_owned(),
                        text: "Уточните число баллов: оно должно соответствовать \
                               утверждённой шкале оценки."
                            .to_owned(),
                        passage: None,
                    }],
                },
                None,
            ),
            Step::Collect => ("coordinator", Transition::Collect, None),
        };
        store
            .transition(&record.document.id, &transition, &UserId::new(actor), pin)?
            .map_err(|refused| anyhow::anyhow!(refused.message_ru()))?;
        Ok(())
    }
}

/// Prints the demo users to stdout. Write errors are ignored: whoever started the server may
/// have stopped reading its output after the `listening on` line.
fn print_users() {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "демо-регионы «Липецкая область» и «Республика Мордовия»: пользователи (логин / пароль — роль, организация)"
    );
    for user in USERS {
        let org = ORGANISATIONS
            .iter()
            .find(|(id, ..)| *id == user.org)
            .map_or(user.org, |(_, _, _, name)| name);
        let _ = writeln!(
            out,
            "  {:<16} / {:<21} — {}, {}",
            user.login,
            user.password,
            user.role.label_ru(),
            org
        );
    }
    let _ = out.flush();
}
