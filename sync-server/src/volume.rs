//! `sync-server admin seed-registry N`: the demo region with `N` more approved submissions, for
//! measuring the registry at the volume of a real region (a thousand documents). The documents
//! are real: Automerge documents in the server's repo, registered, submitted with their pinned
//! content (the demo's valid examples, validated once per form), approved, every third one
//! collected, each step audited, exactly as the demo's own documents are made.
//!
//! They belong to [`SCHOOLS`] generated schools (`volume-school-001`, …) spread over the demo's
//! two Lipetsk municipalities, edited by `volume-editor` and reviewed by `volume-reviewer`
//! (accounts with random passwords nobody is told: they exist so that the records name who
//! acted). Seeding twice is refused.

use std::path::Path;

use anyhow::Context;
use document::Author;
use store::Store;
use workflow::{
    DocumentRef, FormKind, Heads, OrgId, OrgKind, Organisation, Role, Transition, UserId,
};

use crate::admin::ADMIN_ACTOR;
use crate::api::lifecycle::{SubmissionContext, judge};
use crate::demo::REGION;
use crate::state::AppState;

/// How many schools the documents are spread over.
pub const SCHOOLS: usize = 50;
/// The demo municipalities the generated schools alternate between.
const MUNICIPALITIES: [&str; 2] = ["krasninsky", "lipetsk-city"];
/// The forms generated, alternately (both are approved without signatures).
const FORMS: [FormKind; 2] = [FormKind::SchoolProgramme, FormKind::StimulusPolicyChange];
/// The account that submits the generated documents.
const EDITOR: &str = "volume-editor";
/// The account that approves them.
const REVIEWER: &str = "volume-reviewer";

/// The id of generated school `n` (from 1).
fn school_id(n: usize) -> String {
    format!("volume-school-{n:03}")
}

/// Adds the generated schools and their two accounts.
fn people(store: &Store) -> anyhow::Result<()> {
    if store
        .organisations()?
        .iter()
        .any(|o| o.id.as_str() == school_id(1))
    {
        anyhow::bail!(
            "реестр уже заполнен учебными документами (есть {})",
            school_id(1)
        );
    }
    let password = || uuid::Uuid::new_v4().simple().to_string();
    let editor = store.add_user(EDITOR, "Учебный редактор школ", &password(), ADMIN_ACTOR)?;
    let reviewer = store.add_user(
        REVIEWER,
        "Учебный специалист МОУО",
        &password(),
        ADMIN_ACTOR,
    )?;
    for municipality in MUNICIPALITIES {
        store.grant(
            &reviewer,
            &OrgId::new(municipality),
            Role::MunicipalReviewer,
            ADMIN_ACTOR,
        )?;
    }
    for n in 1..=SCHOOLS {
        let org = Organisation {
            id: OrgId::new(school_id(n)),
            kind: OrgKind::School { mentor: false },
            parent: Some(OrgId::new(MUNICIPALITIES[n % MUNICIPALITIES.len()])),
            name: format!("МБОУ СОШ № {n} (учебная)"),
        };
        store.add_organisation(&org, ADMIN_ACTOR)?;
        store.grant(&editor, &org.id, Role::SchoolEditor, ADMIN_ACTOR)?;
    }
    Ok(())
}

/// Loads the demo region if it is not there, then adds `count` approved submissions; returns
/// how many were added.
///
/// # Errors
///
/// If the registry was seeded already, the examples are missing or invalid, or the database
/// fails.
pub async fn seed(state: &AppState, forms_dir: &Path, count: usize) -> anyhow::Result<usize> {
    crate::demo::load(state, forms_dir).await?;
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || people(&store))
        .await
        .context("seeding stopped")??;
    let author = Author {
        id: EDITOR.to_owned(),
        name: EDITOR.to_owned(),
    };
    // One base document per form, validated once: every generated document is a copy of it.
    let mut bases = Vec::new();
    for form in FORMS {
        let path = forms_dir
            .join("examples")
            .join(format!("{}.{REGION}.valid.json", form.form_id()));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let data: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let doc = document::create(&state.catalogue, form.form_id(), REGION, &data, &author)
            .map_err(|e| anyhow::anyhow!(e.message_ru()))?;
        let heads = doc.get_heads();
        let content =
            document::to_json_at(&doc, &heads).map_err(|e| anyhow::anyhow!(e.message_ru()))?;
        bases.push((
            form,
            doc,
            Heads::new(heads.iter().map(ToString::to_string)),
            content,
        ));
    }
    let dir = crate::access::directory(&state.store)?;
    let mut pins = Vec::new();
    for (n, (form, doc, heads, content)) in bases.iter().enumerate() {
        let handle = state
            .repo
            .create(doc.fork())
            .await
            .context("the repo stopped")?;
        let reference = DocumentRef::new(
            handle.document_id().to_string().as_str().into(),
            *form,
            OrgId::new(school_id(n + 1)),
            Some(OrgId::new("lyceum-44")),
        );
        let record = state
            .store
            .register_document(&reference, REGION, &UserId::new(EDITOR))?;
        let context = SubmissionContext::of(state, &dir, &record)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let today = state.store.today()?;
        let (_, pinned) = judge(&state.catalogue, &record, &context, content, &today)
            .map_err(|_| anyhow::anyhow!("no requirement set for {}", form.form_id()))?;
        let pinned =
            pinned.with_context(|| format!("the {} example is not valid", form.form_id()))?;
        pins.push((record, heads.clone(), pinned));
    }
    let (editor, reviewer, coordinator) = (
        UserId::new(EDITOR),
        UserId::new(REVIEWER),
        UserId::new("coordinator"),
    );
    for i in 0..count {
        let which = i % FORMS.len();
        let (form, doc, heads, _) = &bases[which];
        let record = if i < pins.len() {
            pins[i].0.clone()
        } else {
            let handle = state
                .repo
                .create(doc.fork())
                .await
                .context("the repo stopped")?;
            let reference = DocumentRef::new(
                handle.document_id().to_string().as_str().into(),
                *form,
                OrgId::new(school_id(i % SCHOOLS + 1)),
                Some(OrgId::new("lyceum-44")),
            );
            state.store.register_document(&reference, REGION, &editor)?
        };
        let pinned = &pins[which].2;
        let id = &record.document.id;
        let mut steps = vec![
            (
                Transition::Submit {
                    heads: heads.clone(),
                    content_sha256: None,
                },
                &editor,
                Some(pinned),
            ),
            (Transition::Approve, &reviewer, None),
        ];
        if i % 3 == 0 {
            steps.push((Transition::Collect, &coordinator, None));
        }
        for (transition, actor, pin) in steps {
            state
                .store
                .transition(id, &transition, actor, pin)?
                .map_err(|refused| anyhow::anyhow!(refused.message_ru()))?;
        }
    }
    Ok(count)
}
