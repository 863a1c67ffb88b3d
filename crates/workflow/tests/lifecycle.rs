//! The lifecycle state machine: every status against every transition, with the expected
//! result or reason written out by hand; behaviours worth a name; and random transition
//! sequences that must keep the lifecycle's invariants.

use std::collections::BTreeSet;

use proptest::prelude::*;
use workflow::{
    Comment, Context, DocumentRef, FormKind, Heads, OrgId, Passage, Review, State, Status,
    Submission, SubmissionId, Transition, TransitionError, UserId, Verdict, apply,
};

const OWNER: &str = "school-3";
const MENTOR: &str = "lyceum-1";
const STRANGER: &str = "school-7";

fn doc(form: FormKind) -> DocumentRef {
    DocumentRef::new(
        "doc".into(),
        form,
        OrgId::new(OWNER),
        Some(OrgId::new(MENTOR)),
    )
}

fn ctx(form: FormKind, actor: &str) -> Context {
    Context::new(&doc(form), UserId::new(actor))
}

fn heads(name: &str) -> Heads {
    Heads::new([name])
}

fn comment(pointer: &str, text: &str) -> Comment {
    Comment {
        pointer: pointer.to_owned(),
        text: text.to_owned(),
        passage: None,
    }
}

fn submit(name: &str) -> Transition {
    Transition::Submit {
        heads: heads(name),
        content_sha256: None,
    }
}

fn sign(party: &str) -> Transition {
    Transition::Sign {
        party: OrgId::new(party),
    }
}

fn return_with(comments: Vec<Comment>) -> Transition {
    Transition::Return { comments }
}

fn sid(round: u32) -> SubmissionId {
    SubmissionId {
        document: "doc".into(),
        round,
    }
}

/// The state reached from a new document by these transitions, each of which must succeed.
fn reach(form: FormKind, path: &[Transition]) -> State {
    let mut state = State::new("doc".into());
    for transition in path {
        state = apply(&state, transition, &ctx(form, "actor"))
            .unwrap_or_else(|e| panic!("{transition:?} on the way: {e}"));
    }
    state
}

/// The states the table starts from, by name; each is reached by real transitions.
fn fixture(form: FormKind, name: &str) -> State {
    let signed = form == FormKind::PartnershipAgreement;
    let mut approve = vec![submit("h1")];
    if signed {
        approve.extend([sign(OWNER), sign(MENTOR)]);
    }
    approve.push(Transition::Approve);
    let returned = vec![
        submit("h1"),
        return_with(vec![comment("/goals", "уточнить")]),
    ];
    let path: Vec<Transition> = match name {
        "draft" => vec![],
        "submitted" => vec![submit("h1")],
        // Only agreements are signed: for other forms this is plain "submitted".
        "submitted, owner signed" if signed => vec![submit("h1"), sign(OWNER)],
        "submitted, owner signed" => vec![submit("h1")],
        "returned" => returned,
        "approved" => approve,
        "collected" => approve.into_iter().chain([Transition::Collect]).collect(),
        "draft, round 2" => returned.into_iter().chain([Transition::Edit]).collect(),
        other => panic!("unknown fixture {other}"),
    };
    reach(form, &path)
}

/// The transitions tried from every fixture, by name.
fn probes() -> Vec<(&'static str, Transition)> {
    vec![
        ("submit same heads", submit("h1")),
        ("submit new heads", submit("h2")),
        ("sign for owner", sign(OWNER)),
        ("sign for mentor", sign(MENTOR)),
        ("sign for stranger", sign(STRANGER)),
        ("approve", Transition::Approve),
        (
            "return",
            return_with(vec![comment("/tasks/0", "нет срока")]),
        ),
        ("return without comments", return_with(vec![])),
        (
            "return blank comment",
            return_with(vec![comment("/goals", " ")]),
        ),
        ("collect", Transition::Collect),
        ("edit", Transition::Edit),
    ]
}

#[derive(Debug, PartialEq)]
enum Expect {
    /// The transition succeeds, leaving this status and round.
    Ok(Status, u32),
    /// The transition is refused with this error.
    Err(TransitionError),
}

use Expect::{Err as No, Ok as Yes};
use Status::{Approved, Collected, Draft, Returned, Submitted};
use TransitionError as E;

/// Expected results, one row per fixture, columns in the order of `probes()`.
fn expected(form: FormKind) -> Vec<(&'static str, [Expect; 11])> {
    let agreement = form == FormKind::PartnershipAgreement;
    // How a signature attempt fares when the state itself would allow it.
    let not_agreement = || No(E::NotAnAgreement { form });
    let sign_or = |when_agreement: Expect| {
        if agreement {
            when_agreement
        } else {
            not_agreement()
        }
    };
    let own = || OrgId::new(OWNER);
    let mentor = || OrgId::new(MENTOR);
    vec![
        (
            "draft",
            [
                Yes(Submitted, 1),
                Yes(Submitted, 1),
                sign_or(No(E::NotSubmitted)),
                sign_or(No(E::NotSubmitted)),
                sign_or(No(E::NotSubmitted)),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotApproved { status: Draft }),
                Yes(Draft, 1),
            ],
        ),
        (
            "submitted",
            [
                No(E::AlreadySubmitted { submission: sid(1) }),
                No(E::UnderReview { submission: sid(1) }),
                sign_or(Yes(Submitted, 1)),
                sign_or(Yes(Submitted, 1)),
                sign_or(No(E::NotAParty {
                    party: OrgId::new(STRANGER),
                })),
                if agreement {
                    No(E::MissingSignatures {
                        submission: sid(1),
                        missing: vec![own(), mentor()],
                    })
                } else {
                    Yes(Approved, 1)
                },
                Yes(Returned, 1),
                No(E::NoComments),
                No(E::BlankComment {
                    pointer: "/goals".to_owned(),
                }),
                No(E::NotApproved { status: Submitted }),
                No(E::UnderReview { submission: sid(1) }),
            ],
        ),
        (
            "submitted, owner signed",
            [
                No(E::AlreadySubmitted { submission: sid(1) }),
                No(E::UnderReview { submission: sid(1) }),
                sign_or(No(E::AlreadySigned {
                    party: own(),
                    submission: sid(1),
                })),
                sign_or(Yes(Submitted, 1)),
                sign_or(No(E::NotAParty {
                    party: OrgId::new(STRANGER),
                })),
                if agreement {
                    No(E::MissingSignatures {
                        submission: sid(1),
                        missing: vec![mentor()],
                    })
                } else {
                    Yes(Approved, 1)
                },
                Yes(Returned, 1),
                No(E::NoComments),
                No(E::BlankComment {
                    pointer: "/goals".to_owned(),
                }),
                No(E::NotApproved { status: Submitted }),
                No(E::UnderReview { submission: sid(1) }),
            ],
        ),
        (
            "returned",
            [
                No(E::HeadsAlreadySubmitted { submission: sid(1) }),
                Yes(Submitted, 2),
                sign_or(No(E::AlreadyReturned { submission: sid(1) })),
                sign_or(No(E::AlreadyReturned { submission: sid(1) })),
                sign_or(No(E::AlreadyReturned { submission: sid(1) })),
                No(E::AlreadyReturned { submission: sid(1) }),
                No(E::AlreadyReturned { submission: sid(1) }),
                No(E::AlreadyReturned { submission: sid(1) }),
                No(E::AlreadyReturned { submission: sid(1) }),
                No(E::NotApproved { status: Returned }),
                Yes(Draft, 2),
            ],
        ),
        (
            "approved",
            [
                No(E::HeadsAlreadySubmitted { submission: sid(1) }),
                Yes(Submitted, 2),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                Yes(Collected, 1),
                Yes(Draft, 2),
            ],
        ),
        (
            "collected",
            [
                No(E::HeadsAlreadySubmitted { submission: sid(1) }),
                Yes(Submitted, 2),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                sign_or(No(E::AlreadyApproved { submission: sid(1) })),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyApproved { submission: sid(1) }),
                No(E::AlreadyCollected { submission: sid(1) }),
                Yes(Draft, 2),
            ],
        ),
        (
            "draft, round 2",
            [
                No(E::HeadsAlreadySubmitted { submission: sid(1) }),
                Yes(Submitted, 2),
                sign_or(No(E::NotSubmitted)),
                sign_or(No(E::NotSubmitted)),
                sign_or(No(E::NotSubmitted)),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotSubmitted),
                No(E::NotApproved { status: Draft }),
                Yes(Draft, 2),
            ],
        ),
    ]
}

#[test]
fn every_transition_from_every_status_gives_the_expected_result_or_reason() {
    let probes = probes();
    let names: BTreeSet<&str> = probes.iter().map(|(_, t)| t.name()).collect();
    assert_eq!(
        names,
        ["approve", "collect", "edit", "return", "sign", "submit"].into(),
        "every kind of transition is probed"
    );
    for form in FormKind::ALL {
        let rows = expected(form);
        let statuses: BTreeSet<Status> = rows
            .iter()
            .map(|(name, _)| fixture(form, name).status())
            .collect();
        assert_eq!(
            statuses,
            Status::ALL.into(),
            "every status is a starting point"
        );
        for (name, row) in rows {
            let from = fixture(form, name);
            for ((probe, transition), want) in probes.iter().zip(row) {
                let got = match apply(&from, transition, &ctx(form, "actor")) {
                    Ok(next) => Yes(next.status(), next.round()),
                    Err(e) => No(e),
                };
                assert_eq!(got, want, "{form:?}, {name}: {probe}");
            }
        }
    }
}

#[test]
fn every_transition_error_explains_itself_in_russian() {
    for form in FormKind::ALL {
        for (name, row) in expected(form) {
            for want in row {
                if let No(error) = want {
                    let ru = error.message_ru();
                    assert!(
                        ru.chars().any(|c| ('а'..='я').contains(&c)),
                        "{name}: {error}: {ru}"
                    );
                    assert!(!error.to_string().is_empty());
                }
            }
        }
    }
    let missing = E::MissingSignatures {
        submission: sid(1),
        missing: vec![OrgId::new(MENTOR)],
    };
    assert_eq!(
        missing.message_ru(),
        "договор одобряют после подписей директоров обеих сторон; нет подписи за: «lyceum-1»"
    );
    assert_eq!(
        missing.to_string(),
        "doc#1 lacks the signatures of lyceum-1"
    );
}

#[test]
fn edit_after_approval_starts_a_new_round_and_the_approval_stays_behind() {
    let form = FormKind::SchoolProgramme;
    let approved = fixture(form, "approved");
    let edited = apply(&approved, &Transition::Edit, &ctx(form, "editor")).unwrap();
    assert_eq!((edited.status(), edited.round()), (Draft, 2));
    assert!(
        edited.current().is_none(),
        "nothing is submitted in round 2"
    );
    let kept = edited.last_approved().unwrap();
    assert_eq!(kept.id, sid(1));
    assert_eq!(kept.heads, heads("h1"));

    let resubmitted = apply(&edited, &submit("h2"), &ctx(form, "director")).unwrap();
    let current = resubmitted.current().unwrap();
    assert_eq!(current.id, sid(2));
    assert!(current.review.is_none(), "the new version is not approved");
    assert_eq!(resubmitted.last_approved().unwrap().id, sid(1));
}

#[test]
fn returned_document_keeps_reviewer_comments_after_the_next_edit() {
    let form = FormKind::StimulusPolicyChange;
    let submitted = fixture(form, "submitted");
    let comments = vec![
        comment("/changes/0/new_text", "нет критерия баллов"),
        comment("", "приложите мнение профсоюза"),
    ];
    let returned = apply(
        &submitted,
        &return_with(comments.clone()),
        &ctx(form, "reviewer"),
    )
    .unwrap();
    let edited = apply(&returned, &Transition::Edit, &ctx(form, "editor")).unwrap();
    let latest = edited.latest().unwrap();
    assert_eq!(
        latest.review,
        Some(Review {
            by: UserId::new("reviewer"),
            verdict: Verdict::Returned { comments },
        })
    );
}

#[test]
fn returned_document_keeps_the_passages_its_comments_quote() {
    let form = FormKind::SchoolProgramme;
    let submitted = fixture(form, "submitted");
    let on_passage = Comment {
        passage: Some(Passage::in_text("Низкая мотивация учеников", 7, 16).unwrap()),
        ..comment("/analysis/causes", "чья мотивация?")
    };
    let comments = vec![on_passage, comment("/goals", "уточнить")];
    let returned = apply(
        &submitted,
        &return_with(comments.clone()),
        &ctx(form, "reviewer"),
    )
    .unwrap();
    let Some(Review {
        verdict: Verdict::Returned { comments: kept },
        ..
    }) = &returned.latest().unwrap().review
    else {
        panic!("not returned: {returned:?}");
    };
    assert_eq!(kept, &comments);
    assert_eq!(kept[0].passage.as_ref().unwrap().quote, "мотивация");
    let restored: State = serde_json::from_str(&serde_json::to_string(&returned).unwrap()).unwrap();
    assert_eq!(restored, returned);
}

#[test]
fn a_passage_that_holds_nothing_or_misquotes_its_offsets_is_refused() {
    let form = FormKind::SchoolProgramme;
    let submitted = fixture(form, "submitted");
    for passage in [
        Passage {
            start: 3,
            end: 3,
            quote: String::new(),
        },
        Passage {
            start: 0,
            end: 4,
            quote: "слишком длинная цитата".to_owned(),
        },
    ] {
        let bad = Comment {
            passage: Some(passage),
            ..comment("/analysis/causes", "текст")
        };
        let refused = apply(
            &submitted,
            &return_with(vec![comment("/goals", "уточнить"), bad]),
            &ctx(form, "reviewer"),
        )
        .unwrap_err();
        assert_eq!(
            refused,
            E::BadPassage {
                pointer: "/analysis/causes".to_owned()
            }
        );
        assert!(refused.message_ru().contains("«/analysis/causes»"));
    }
}

#[test]
fn signatures_belong_to_one_submission_and_do_not_carry_over() {
    let form = FormKind::PartnershipAgreement;
    let signed = reach(
        form,
        &[
            submit("h1"),
            sign(OWNER),
            sign(MENTOR),
            return_with(vec![comment("/term", "срок не указан")]),
            submit("h2"),
        ],
    );
    assert_eq!(signed.submissions()[0].signatures.len(), 2);
    assert!(signed.current().unwrap().signatures.is_empty());
    assert_eq!(
        apply(&signed, &Transition::Approve, &ctx(form, "reviewer")),
        Err(E::MissingSignatures {
            submission: sid(2),
            missing: vec![OrgId::new(OWNER), OrgId::new(MENTOR)],
        })
    );
}

#[test]
fn actors_are_recorded_on_the_submission() {
    let form = FormKind::PartnershipAgreement;
    let mut state = State::new("doc".into());
    for (actor, transition) in [
        ("editor", submit("h1")),
        ("director", sign(OWNER)),
        ("mentor-director", sign(MENTOR)),
        ("reviewer", Transition::Approve),
        ("coordinator", Transition::Collect),
    ] {
        state = apply(&state, &transition, &ctx(form, actor)).unwrap();
    }
    let submission = state.current().unwrap();
    assert_eq!(submission.by, UserId::new("editor"));
    let signers: Vec<&str> = submission
        .signatures
        .iter()
        .map(|s| s.by.as_str())
        .collect();
    assert_eq!(signers, ["director", "mentor-director"]);
    assert_eq!(
        submission.review.as_ref().unwrap().by,
        UserId::new("reviewer")
    );
    assert_eq!(submission.collected_by, Some(UserId::new("coordinator")));
}

#[test]
fn heads_compare_regardless_of_order_and_repeats() {
    assert_eq!(Heads::new(["b", "a", "b"]), Heads::new(["a", "b"]));
    let form = FormKind::SchoolProgramme;
    let submitted = reach(
        form,
        &[Transition::Submit {
            heads: Heads::new(["b", "a"]),
            content_sha256: None,
        }],
    );
    assert_eq!(
        apply(
            &submitted,
            &Transition::Submit {
                heads: Heads::new(["a", "b"]),
                content_sha256: None,
            },
            &ctx(form, "x")
        ),
        Err(E::AlreadySubmitted { submission: sid(1) })
    );
}

#[test]
fn state_survives_a_json_round_trip() {
    let state = fixture(FormKind::PartnershipAgreement, "collected");
    let json = serde_json::to_string(&state).unwrap();
    let back: State = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
}

#[test]
fn broken_stored_states_are_refused() {
    let base = fixture(FormKind::SchoolProgramme, "approved");
    let approved = base.submissions()[0].clone();
    let unreviewed = Submission {
        review: None,
        ..approved.clone()
    };
    let collected_unapproved = Submission {
        collected_by: Some(UserId::new("c")),
        ..unreviewed.clone()
    };
    let silent_return = Submission {
        review: Some(Review {
            by: UserId::new("r"),
            verdict: Verdict::Returned { comments: vec![] },
        }),
        ..approved.clone()
    };
    let second = |heads: &str| Submission {
        id: sid(2),
        heads: Heads::new([heads]),
        ..unreviewed.clone()
    };
    let foreign = Submission {
        id: SubmissionId {
            document: "other".into(),
            round: 1,
        },
        ..approved.clone()
    };
    let cases: Vec<(&str, Status, u32, Vec<Submission>)> = vec![
        ("round zero", Draft, 0, vec![]),
        (
            "draft with its round submitted",
            Draft,
            1,
            vec![unreviewed.clone()],
        ),
        ("draft skipping a round", Draft, 3, vec![approved.clone()]),
        ("submitted without a submission", Submitted, 1, vec![]),
        (
            "approved without approval",
            Approved,
            1,
            vec![unreviewed.clone()],
        ),
        (
            "collected without approval",
            Collected,
            1,
            vec![collected_unapproved],
        ),
        (
            "returned without comments",
            Returned,
            1,
            vec![silent_return],
        ),
        (
            "earlier round never reviewed",
            Submitted,
            2,
            vec![unreviewed.clone(), second("h2")],
        ),
        (
            "same version submitted twice",
            Submitted,
            2,
            vec![approved.clone(), second("h1")],
        ),
        ("submission of another document", Approved, 1, vec![foreign]),
    ];
    for (what, status, round, submissions) in cases {
        let result = State::restore("doc".into(), status, round, submissions);
        assert!(result.is_err(), "{what} was accepted");
    }
    assert_eq!(
        State::restore("doc".into(), Approved, 1, base.submissions().to_vec()),
        Ok(base)
    );
    let bad_json = r#"{"document":"doc","status":"collected","round":1,"submissions":[]}"#;
    assert!(serde_json::from_str::<State>(bad_json).is_err());
}

// Random sequences of transitions.

#[derive(Debug, Clone)]
enum Step {
    /// Submit heads never seen before, or the latest submission's heads again.
    Submit {
        fresh: bool,
    },
    /// Sign for the owner (0), the mentor (1) or a stranger (2).
    Sign(u8),
    Approve,
    /// Return with this many comments (0 is refused).
    Return(u8),
    Collect,
    Edit,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => any::<bool>().prop_map(|fresh| Step::Submit { fresh }),
        3 => (0u8..3).prop_map(Step::Sign),
        2 => Just(Step::Approve),
        2 => (0u8..3).prop_map(Step::Return),
        2 => Just(Step::Collect),
        2 => Just(Step::Edit),
    ]
}

fn form() -> impl Strategy<Value = FormKind> {
    prop_oneof![
        Just(FormKind::SchoolProgramme),
        Just(FormKind::PartnershipAgreement),
        Just(FormKind::StimulusPolicyChange),
    ]
}

/// The invariants of one successful step, written independently of the crate's own checks.
fn check_step(
    form: FormKind,
    before: &State,
    transition: &Transition,
    after: &State,
) -> Result<(), TestCaseError> {
    // The round never decreases and moves by at most one.
    prop_assert!(after.round() >= before.round());
    prop_assert!(after.round() <= before.round() + 1);
    // Collected only straight after approved, by collecting.
    if after.status() == Collected {
        prop_assert!(
            before.status() == Collected || before.status() == Approved,
            "collected from {:?}",
            before.status()
        );
        prop_assert!(before.status() == Collected || matches!(transition, Transition::Collect));
    }
    // An approval refers to the submission of the round in which it was given.
    if matches!(transition, Transition::Approve) {
        let current = after.current().expect("approved state has a submission");
        prop_assert_eq!(current.id.round, after.round());
        prop_assert_eq!(after.round(), before.round());
        prop_assert!(current.is_approved());
    }
    for submission in after.submissions() {
        if submission.is_approved() {
            prop_assert!(submission.id.round <= after.round());
        }
        if submission.collected_by.is_some() {
            prop_assert!(submission.is_approved(), "collected without approval");
        }
        if form == FormKind::PartnershipAgreement {
            if submission.is_approved() {
                for party in [OWNER, MENTOR] {
                    prop_assert!(submission.is_signed_by(&OrgId::new(party)));
                }
            }
        } else {
            prop_assert!(
                submission.signatures.is_empty(),
                "only agreements are signed"
            );
        }
    }
    // Decided history never changes: every earlier submission is kept as it was, except the
    // one of the current round, which may gain signatures, a review or a collection.
    let kept = before.submissions().len();
    prop_assert!(after.submissions().len() >= kept);
    prop_assert!(after.submissions().len() <= kept + 1);
    for (old, new) in before.submissions().iter().zip(after.submissions()) {
        prop_assert_eq!(&old.id, &new.id);
        prop_assert_eq!(&old.heads, &new.heads);
        prop_assert_eq!(&old.by, &new.by);
        if old.review.is_some() {
            prop_assert_eq!(&old.review, &new.review);
            prop_assert!(new.signatures.starts_with(&old.signatures));
        }
        if old.collected_by.is_some() {
            prop_assert_eq!(&old.collected_by, &new.collected_by);
        }
    }
    // One submission per round, rounds numbered from 1, no version submitted twice.
    let rounds: Vec<u32> = after.submissions().iter().map(|s| s.id.round).collect();
    let numbered: Vec<u32> = (1..=u32::try_from(rounds.len()).unwrap()).collect();
    prop_assert_eq!(rounds, numbered);
    let distinct: BTreeSet<&Heads> = after.submissions().iter().map(|s| &s.heads).collect();
    prop_assert_eq!(distinct.len(), after.submissions().len());
    // The status agrees with the current round's submission.
    match after.status() {
        Draft => prop_assert!(after.current().is_none()),
        Submitted => prop_assert!(after.current().is_some_and(|s| s.review.is_none())),
        Returned => {
            let returned = after.current().is_some_and(|s| {
                matches!(
                    s.review,
                    Some(Review {
                        verdict: Verdict::Returned { .. },
                        ..
                    })
                )
            });
            prop_assert!(returned);
        }
        Approved => prop_assert!(
            after
                .current()
                .is_some_and(|s| s.is_approved() && s.collected_by.is_none())
        ),
        Collected => prop_assert!(
            after
                .current()
                .is_some_and(|s| s.is_approved() && s.collected_by.is_some())
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_transition_sequences_keep_the_lifecycle_invariants(
        form in form(),
        steps in proptest::collection::vec(step(), 0..60),
    ) {
        let context = ctx(form, "actor");
        let mut state = State::new("doc".into());
        let mut fresh = 0u32;
        for step in steps {
            let transition = match step {
                Step::Submit { fresh: true } => {
                    fresh += 1;
                    submit(&format!("h{fresh}"))
                }
                Step::Submit { fresh: false } => Transition::Submit {
                    heads: state
                        .latest()
                        .map_or_else(|| heads("h0"), |s| s.heads.clone()),
                    content_sha256: None,
                },
                Step::Sign(who) => sign([OWNER, MENTOR, STRANGER][usize::from(who)]),
                Step::Approve => Transition::Approve,
                Step::Return(n) => return_with(
                    (0..n).map(|i| comment(&format!("/f/{i}"), "исправить")).collect(),
                ),
                Step::Collect => Transition::Collect,
                Step::Edit => Transition::Edit,
            };
            match apply(&state, &transition, &context) {
                Ok(next) => {
                    check_step(form, &state, &transition, &next)?;
                    // Every reachable state is one the store can restore.
                    let json = serde_json::to_string(&next).unwrap();
                    let restored: State = serde_json::from_str(&json)
                        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    prop_assert_eq!(&restored, &next);
                    state = next;
                }
                Err(error) => {
                    // A refusal always says something to the person, in Russian.
                    prop_assert!(!error.message_ru().is_empty());
                }
            }
        }
    }
}

/// A narrative edit changes the content, not the heads: the same heads with other content are
/// a new version, and the same content again is refused as before.
#[test]
fn the_same_heads_with_other_content_are_another_version() {
    let form = FormKind::SchoolProgramme;
    let with = |content: &str| Transition::Submit {
        heads: heads("h1"),
        content_sha256: Some(content.to_owned()),
    };
    let submitted = apply(
        &State::new("doc".into()),
        &with("text-1"),
        &ctx(form, "editor"),
    )
    .unwrap();
    let returned = apply(
        &submitted,
        &return_with(vec![comment("/causes", "уточнить")]),
        &ctx(form, "reviewer"),
    )
    .unwrap();
    assert_eq!(
        apply(&returned, &with("text-1"), &ctx(form, "editor")),
        Err(TransitionError::HeadsAlreadySubmitted { submission: sid(1) })
    );
    let again = apply(&returned, &with("text-2"), &ctx(form, "editor")).unwrap();
    assert_eq!(again.submissions().len(), 2);
    assert_eq!(again.round(), 2);
}
