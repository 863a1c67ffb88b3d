//! The life of a document: draft → submitted → returned | approved → collected, and a new
//! round after any further edit.
//!
//! A [`State`] is the server's record of where a document stands: its [`Status`], its round,
//! and every [`Submission`] (an exact version, named by its heads) with the signatures, the
//! review and the collection that belong to it. [`apply`] performs one [`Transition`] or says
//! why it is illegal. Rounds number the versions put forward for review: round `n` has at most
//! one submission, and the round moves on only after a decision, so an approval stays with the
//! version that was approved.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::access::Action;
use crate::document::{DocumentId, DocumentRef, FormKind};
use crate::names::{ParseError, parse};
use crate::org::OrgId;
use crate::people::UserId;

/// Where a document is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Being written by its parties; nothing of this round is submitted yet.
    Draft,
    /// An exact version is submitted and waits for the municipality (and, for an agreement,
    /// for both directors' signatures). The parties cannot change it meanwhile.
    Submitted,
    /// The municipality returned the submission with comments; the next edit starts a new
    /// round.
    Returned,
    /// The municipality approved the submission; an edit starts a new round, the approval
    /// stays with the approved version.
    Approved,
    /// The region accepted the approved submission into its registry.
    Collected,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Collected,
    ];

    /// The status's stable name (`draft`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Collected => "collected",
        }
    }

    /// The status in Russian, as it reads after «документ в статусе …».
    pub fn label_ru(self) -> &'static str {
        match self {
            Status::Draft => "черновик",
            Status::Submitted => "на рассмотрении",
            Status::Returned => "возвращён на доработку",
            Status::Approved => "одобрен",
            Status::Collected => "принят в реестр",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ParseError;

    fn from_str(name: &str) -> Result<Status, ParseError> {
        parse("status", &Status::ALL, Status::as_str, name)
    }
}

/// The heads of a document version: the hashes of the changes nothing else depends on.
/// Kept sorted and without repeats, so two spellings of the same version compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct Heads(Vec<String>);

impl Heads {
    /// The heads made of these change hashes (hex), in any order.
    pub fn new<S: Into<String>>(hashes: impl IntoIterator<Item = S>) -> Heads {
        let mut hashes: Vec<String> = hashes.into_iter().map(Into::into).collect();
        hashes.sort();
        hashes.dedup();
        Heads(hashes)
    }

    /// The change hashes, sorted.
    pub fn hashes(&self) -> &[String] {
        &self.0
    }
}

impl From<Vec<String>> for Heads {
    fn from(hashes: Vec<String>) -> Heads {
        Heads::new(hashes)
    }
}

impl From<Heads> for Vec<String> {
    fn from(heads: Heads) -> Vec<String> {
        heads.0
    }
}

impl fmt::Display for Heads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// Names a submission: the document and the round it was made in (a round has at most one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SubmissionId {
    /// The document submitted.
    pub document: DocumentId,
    /// The round the submission opened for review.
    pub round: u32,
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.document, self.round)
    }
}

/// An exact version put forward for review, and everything that happened to it. Server data,
/// never part of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Which document and round.
    pub id: SubmissionId,
    /// The version submitted.
    pub heads: Heads,
    /// The SHA-256 of the content submitted (narratives included), when known; `None` for
    /// submissions recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    /// Who submitted it.
    pub by: UserId,
    /// Directors' signatures on this version (agreements only), in the order given.
    pub signatures: Vec<Signature>,
    /// The municipality's decision, once made.
    pub review: Option<Review>,
    /// The regional coordinator who accepted it into the registry, once accepted.
    pub collected_by: Option<UserId>,
}

impl Submission {
    /// Whether this submission is of the version `heads` with content `content_sha256`: the
    /// same heads, and the same content where both are known (a narrative edit changes the
    /// content, not the heads).
    pub fn is_version(&self, heads: &Heads, content_sha256: Option<&str>) -> bool {
        &self.heads == heads
            && match (self.content_sha256.as_deref(), content_sha256) {
                (Some(earlier), Some(now)) => earlier == now,
                _ => true,
            }
    }

    /// Whether the municipality approved this version.
    pub fn is_approved(&self) -> bool {
        matches!(
            self.review,
            Some(Review {
                verdict: Verdict::Approved,
                ..
            })
        )
    }

    /// Whether a director signed this version for `party`.
    pub fn is_signed_by(&self, party: &OrgId) -> bool {
        self.signatures.iter().any(|s| &s.party == party)
    }
}

/// A director's signature on a submission, for one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The school signed for.
    pub party: OrgId,
    /// The director who signed.
    pub by: UserId,
}

/// The municipality's decision on a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The reviewer.
    pub by: UserId,
    /// Approved, or returned with comments.
    pub verdict: Verdict,
}

/// What the reviewer decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// The version is approved.
    Approved,
    /// The version goes back to its school with comments.
    Returned {
        /// At least one comment, each on a field.
        comments: Vec<Comment>,
    },
}

/// A reviewer's comment on one field of the submitted version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The JSON pointer of the field (`/goals/0`); `""` for the document as a whole.
    pub pointer: String,
    /// What should change, in the reviewer's words.
    pub text: String,
    /// The passage of a narrative field the comment is on, when it is on a part of the text
    /// rather than the whole field. Absent in comments stored before passages existed, and
    /// left out when serialised without one, so those comments read and hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<Passage>,
}

/// A passage of a narrative's plain text, as the submitted version holds it: the characters
/// from `start` up to (not including) `end`, counted in Unicode scalar values (Rust `char`s,
/// JavaScript code points, not UTF-16 units), and the words themselves.
///
/// The quote is kept beside the offsets because the text moves on after a return: the school
/// must still see exactly which words the reviewer meant. Only [`Passage::in_text`] makes one
/// from offsets, so the quote is always the text's own, never a client's say-so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// The first character of the passage, from 0.
    pub start: usize,
    /// The character after the passage's last; greater than `start`.
    pub end: usize,
    /// The text between `start` and `end`.
    pub quote: String,
}

/// Why offsets do not name a passage of a text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassageError {
    /// The passage would hold no character (`start >= end`).
    #[error("passage {start}..{end} holds no character")]
    Empty {
        /// The offset given as start.
        start: usize,
        /// The offset given as end.
        end: usize,
    },
    /// The passage ends past the end of the text.
    #[error("passage {start}..{end} ends past the text's {len} characters")]
    PastTheEnd {
        /// The offset given as start.
        start: usize,
        /// The offset given as end.
        end: usize,
        /// The text's length in characters.
        len: usize,
    },
}

impl PassageError {
    /// The error in Russian, for the reviewer, naming the field (`field`: its Russian name).
    pub fn message_ru(&self, field: &str) -> String {
        match self {
            PassageError::Empty { start, end } => format!(
                "замечание к полю «{field}»: отрывок с {start} по {end} символ пуст; выделите \
                 хотя бы один символ текста"
            ),
            PassageError::PastTheEnd { start, end, len } => format!(
                "замечание к полю «{field}»: отрывок с {start} по {end} символ выходит за конец \
                 текста поданной версии ({len} симв.)"
            ),
        }
    }
}

impl Passage {
    /// The passage `start..end` of `text` (offsets in characters), with its quote, or why
    /// there is none: `start < end <= ` the text's length in characters.
    pub fn in_text(text: &str, start: usize, end: usize) -> Result<Passage, PassageError> {
        if start >= end {
            return Err(PassageError::Empty { start, end });
        }
        let mut chars = text.char_indices().map(|(at, _)| at).chain([text.len()]);
        let from = chars.nth(start);
        let to = chars.nth(end - start - 1);
        match (from, to) {
            (Some(from), Some(to)) => Ok(Passage {
                start,
                end,
                quote: text[from..to].to_owned(),
            }),
            _ => Err(PassageError::PastTheEnd {
                start,
                end,
                len: text.chars().count(),
            }),
        }
    }

    /// Whether the passage is one [`Passage::in_text`] could have made: not empty, its quote
    /// as many characters long as its offsets say.
    pub fn is_consistent(&self) -> bool {
        self.start < self.end && self.quote.chars().count() == self.end - self.start
    }
}

/// One step of a document's life, as asked for by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "kebab-case")]
pub enum Transition {
    /// Put the version at `heads` forward for review (the server validated it first). From a
    /// returned, approved or collected document this also starts the next round, as an edit
    /// would.
    Submit {
        /// The version submitted.
        heads: Heads,
        /// The SHA-256 of the content submitted, when known: the heads name the structured
        /// data, and the narratives (kept beside them in Yjs) change the content without
        /// moving them. The same heads with other content are another version.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_sha256: Option<String>,
    },
    /// A director signs the submission under review for `party`; agreements only.
    Sign {
        /// The school the director signs for ([`signing_party`](crate::signing_party)).
        party: OrgId,
    },
    /// The municipality approves the submission under review.
    Approve,
    /// The municipality returns the submission under review with comments.
    Return {
        /// What should change; at least one, none blank.
        comments: Vec<Comment>,
    },
    /// The region accepts the approved submission into its registry.
    Collect,
    /// A party changed the document. After a decision this starts a new round; in a draft it
    /// changes nothing here.
    Edit,
}

impl Transition {
    /// The transition's stable name (`submit`, `sign`, …), for the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Submit { .. } => "submit",
            Transition::Sign { .. } => "sign",
            Transition::Approve => "approve",
            Transition::Return { .. } => "return",
            Transition::Collect => "collect",
            Transition::Edit => "edit",
        }
    }

    /// The action of the permission table that a person needs to ask for this transition.
    pub fn action(&self) -> Action {
        match self {
            Transition::Submit { .. } => Action::Submit,
            Transition::Sign { .. } => Action::Sign,
            Transition::Approve | Transition::Return { .. } => Action::Review,
            Transition::Collect => Action::Collect,
            Transition::Edit => Action::Write,
        }
    }
}

/// What a transition needs to know besides the state: the document's form and parties, and
/// who acts. Whether the actor may act is the permission table's question, asked first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The document's form (only agreements are signed).
    pub form: FormKind,
    /// The parties whose directors must all sign an agreement, owner first.
    pub parties: Vec<OrgId>,
    /// The person performing the transition; recorded as submitter, signer, reviewer or
    /// collector.
    pub actor: UserId,
}

impl Context {
    /// The context of `actor` acting on `document`.
    pub fn new(document: &DocumentRef, actor: UserId) -> Context {
        Context {
            form: document.form,
            parties: document.all_parties(),
            actor,
        }
    }
}

/// The server's record of a document's life. Only [`State::new`], [`apply`] and
/// [`State::restore`] make one, so every `State` keeps the lifecycle's invariants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StateRecord")]
pub struct State {
    document: DocumentId,
    status: Status,
    round: u32,
    submissions: Vec<Submission>,
}

/// A stored state that breaks the lifecycle's invariants: the store was edited or is buggy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid lifecycle state of document {document}: {problem}")]
pub struct InvalidState {
    /// The document whose state is broken.
    pub document: DocumentId,
    /// What is wrong.
    pub problem: String,
}

/// Why a transition is illegal in the document's current state. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The document is under review: it cannot change or be submitted again until the
    /// municipality decides.
    #[error("the document is under review ({submission}); it can change after the decision")]
    UnderReview {
        /// The submission under review.
        submission: SubmissionId,
    },
    /// These very heads are already submitted and under review (a repeated submit).
    #[error("this version is already submitted ({submission})")]
    AlreadySubmitted {
        /// The existing submission, which the caller may report as the result.
        submission: SubmissionId,
    },
    /// These heads were submitted in an earlier round (a returned version resubmitted
    /// without changes).
    #[error("this version was already submitted as {submission}; change it first")]
    HeadsAlreadySubmitted {
        /// The earlier submission of the same version.
        submission: SubmissionId,
    },
    /// Only partnership agreements are signed.
    #[error("only partnership agreements are signed, this is a {form}")]
    NotAnAgreement {
        /// The document's form.
        form: FormKind,
    },
    /// Signing or reviewing a document that has no submission in this round.
    #[error("the document is not submitted")]
    NotSubmitted,
    /// Signing or reviewing a submission that was already returned.
    #[error("{submission} was already returned")]
    AlreadyReturned {
        /// The returned submission.
        submission: SubmissionId,
    },
    /// Signing or reviewing a submission that was already approved.
    #[error("{submission} was already approved")]
    AlreadyApproved {
        /// The approved submission.
        submission: SubmissionId,
    },
    /// Signing for a school that is not a party of the document.
    #[error("{party} is not a party of this document")]
    NotAParty {
        /// The school named.
        party: OrgId,
    },
    /// The party has already signed this submission.
    #[error("{party} has already signed {submission}")]
    AlreadySigned {
        /// The school that signed.
        party: OrgId,
        /// The submission signed.
        submission: SubmissionId,
    },
    /// Approving an agreement that not every party's director has signed.
    #[error("{submission} lacks the signatures of {}", join(missing))]
    MissingSignatures {
        /// The submission under review.
        submission: SubmissionId,
        /// The parties that have not signed, owner first.
        missing: Vec<OrgId>,
    },
    /// Returning a submission without saying what to change.
    #[error("a returned document needs at least one comment")]
    NoComments,
    /// A comment with no text.
    #[error("the comment on {pointer:?} is blank")]
    BlankComment {
        /// The field the blank comment is on.
        pointer: String,
    },
    /// A comment's passage holds no character or its quote does not match its offsets.
    #[error("the passage of the comment on {pointer:?} is empty or does not match its quote")]
    BadPassage {
        /// The field the comment is on.
        pointer: String,
    },
    /// Collecting a document that is not approved.
    #[error("only approved documents are collected, this one is {status}")]
    NotApproved {
        /// The document's status.
        status: Status,
    },
    /// Collecting a submission that is already in the registry.
    #[error("{submission} is already collected")]
    AlreadyCollected {
        /// The collected submission.
        submission: SubmissionId,
    },
    /// The round counter is exhausted (some four billion rounds).
    #[error("no rounds left after round {round}")]
    TooManyRounds {
        /// The last round.
        round: u32,
    },
}

impl TransitionError {
    /// The error in Russian, for the person who asked for the transition.
    pub fn message_ru(&self) -> String {
        match self {
            TransitionError::UnderReview { submission } => format!(
                "документ на рассмотрении в муниципалитете (подача круга {}); изменить или \
                 подать его снова можно после решения",
                submission.round
            ),
            TransitionError::AlreadySubmitted { submission } => format!(
                "эта версия уже подана (круг {}) и ждёт рассмотрения",
                submission.round
            ),
            TransitionError::HeadsAlreadySubmitted { submission } => format!(
                "эта версия документа уже подавалась (круг {}); внесите изменения и подайте снова",
                submission.round
            ),
            TransitionError::NotAnAgreement { form } => format!(
                "подписывают только договор о сетевом партнёрстве, а это {}",
                form.label_ru()
            ),
            TransitionError::NotSubmitted => "документ ещё не подан на рассмотрение".to_owned(),
            TransitionError::AlreadyReturned { submission } => format!(
                "подача круга {} уже возвращена на доработку; измените документ и подайте снова",
                submission.round
            ),
            TransitionError::AlreadyApproved { submission } => format!(
                "подача круга {} уже одобрена; правка документа начнёт новый круг",
                submission.round
            ),
            TransitionError::NotAParty { party } => {
                format!("организация «{party}» не сторона этого документа")
            }
            TransitionError::AlreadySigned { party, submission } => format!(
                "за «{party}» подача круга {} уже подписана",
                submission.round
            ),
            TransitionError::MissingSignatures { missing, .. } => format!(
                "договор одобряют после подписей директоров обеих сторон; нет подписи за: {}",
                missing
                    .iter()
                    .map(|party| format!("«{party}»"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TransitionError::NoComments => {
                "возвращая документ, укажите хотя бы одно замечание".to_owned()
            }
            TransitionError::BlankComment { pointer } => {
                format!("замечание к полю «{pointer}» пустое")
            }
            TransitionError::BadPassage { pointer } => {
                format!("отрывок в замечании к полю «{pointer}» пуст или не совпадает с цитатой")
            }
            TransitionError::NotApproved { status } => format!(
                "в реестр принимают только одобренные документы, а этот документ в статусе «{}»",
                status.label_ru()
            ),
            TransitionError::AlreadyCollected { submission } => {
                format!("подача круга {} уже принята в реестр", submission.round)
            }
            TransitionError::TooManyRounds { round } => {
                format!("после круга {round} новых кругов начать нельзя")
            }
        }
    }
}

fn join(parties: &[OrgId]) -> String {
    parties
        .iter()
        .map(OrgId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Performs `transition` on `state` for `ctx.actor`, returning the next state, or says why the
/// transition is illegal now. `state` itself never changes.
pub fn apply(
    state: &State,
    transition: &Transition,
    ctx: &Context,
) -> Result<State, TransitionError> {
    let mut next = state.clone();
    match transition {
        Transition::Submit {
            heads,
            content_sha256,
        } => next.submit(heads, content_sha256.as_deref(), ctx)?,
        Transition::Sign { party } => next.sign(party, ctx)?,
        Transition::Approve => next.approve(ctx)?,
        Transition::Return { comments } => next.return_with(comments, ctx)?,
        Transition::Collect => next.collect(ctx)?,
        Transition::Edit => next.edit()?,
    }
    Ok(next)
}

impl State {
    /// A new document: a draft in round 1 with no submissions.
    pub fn new(document: DocumentId) -> State {
        State {
            document,
            status: Status::Draft,
            round: 1,
            submissions: Vec::new(),
        }
    }

    /// Rebuilds a state from stored parts, checking every invariant [`apply`] keeps: rounds
    /// start at 1; round `n` has at most one submission and earlier rounds exactly one each,
    /// all decided; no version is submitted twice; a party signs a submission once; only
    /// approved submissions are collected; the status agrees with the current round's
    /// submission.
    pub fn restore(
        document: DocumentId,
        status: Status,
        round: u32,
        submissions: Vec<Submission>,
    ) -> Result<State, InvalidState> {
        let state = State {
            document,
            status,
            round,
            submissions,
        };
        match state.problem() {
            None => Ok(state),
            Some(problem) => Err(InvalidState {
                document: state.document,
                problem,
            }),
        }
    }

    /// The document this is the life of.
    pub fn document(&self) -> &DocumentId {
        &self.document
    }

    /// Where the document is now.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The current round, from 1.
    pub fn round(&self) -> u32 {
        self.round
    }

    /// Every submission, oldest first (one per round).
    pub fn submissions(&self) -> &[Submission] {
        &self.submissions
    }

    /// The submission of the current round: none in a draft, otherwise the one under review,
    /// returned, approved or collected.
    pub fn current(&self) -> Option<&Submission> {
        self.submissions
            .last()
            .filter(|submission| submission.id.round == self.round)
    }

    /// The latest submission of any round: in a draft after a return, the one whose
    /// comments the school is working through.
    pub fn latest(&self) -> Option<&Submission> {
        self.submissions.last()
    }

    /// The latest approved submission, even after later rounds started.
    pub fn last_approved(&self) -> Option<&Submission> {
        self.submissions.iter().rev().find(|s| s.is_approved())
    }

    fn current_id(&self) -> SubmissionId {
        SubmissionId {
            document: self.document.clone(),
            round: self.round,
        }
    }

    fn next_round(&self) -> Result<u32, TransitionError> {
        self.round
            .checked_add(1)
            .ok_or(TransitionError::TooManyRounds { round: self.round })
    }

    /// The submission under review, or why there is none.
    fn under_review(&mut self) -> Result<&mut Submission, TransitionError> {
        let id = self.current_id();
        match self.status {
            Status::Draft => Err(TransitionError::NotSubmitted),
            Status::Returned => Err(TransitionError::AlreadyReturned { submission: id }),
            Status::Approved | Status::Collected => {
                Err(TransitionError::AlreadyApproved { submission: id })
            }
            // A submitted state always has its round's submission last (see `restore`).
            Status::Submitted => self
                .submissions
                .last_mut()
                .ok_or(TransitionError::NotSubmitted),
        }
    }

    fn submit(
        &mut self,
        heads: &Heads,
        content_sha256: Option<&str>,
        ctx: &Context,
    ) -> Result<(), TransitionError> {
        let same = |s: &Submission| s.is_version(heads, content_sha256);
        if self.status == Status::Submitted {
            let submission = self.current_id();
            return Err(if self.current().is_some_and(same) {
                TransitionError::AlreadySubmitted { submission }
            } else {
                TransitionError::UnderReview { submission }
            });
        }
        if let Some(earlier) = self.submissions.iter().find(|s| same(s)) {
            return Err(TransitionError::HeadsAlreadySubmitted {
                submission: earlier.id.clone(),
            });
        }
        if self.status != Status::Draft {
            // New heads after a decision: the edit that made them starts the next round.
            self.round = self.next_round()?;
        }
        self.submissions.push(Submission {
            id: self.current_id(),
            heads: heads.clone(),
            content_sha256: content_sha256.map(str::to_owned),
            by: ctx.actor.clone(),
            signatures: Vec::new(),
            review: None,
            collected_by: None,
        });
        self.status = Status::Submitted;
        Ok(())
    }

    fn sign(&mut self, party: &OrgId, ctx: &Context) -> Result<(), TransitionError> {
        if !ctx.form.is_signed() {
            return Err(TransitionError::NotAnAgreement { form: ctx.form });
        }
        let submission = self.under_review()?;
        if !ctx.parties.contains(party) {
            return Err(TransitionError::NotAParty {
                party: party.clone(),
            });
        }
        if submission.is_signed_by(party) {
            return Err(TransitionError::AlreadySigned {
                party: party.clone(),
                submission: submission.id.clone(),
            });
        }
        submission.signatures.push(Signature {
            party: party.clone(),
            by: ctx.actor.clone(),
        });
        Ok(())
    }

    fn approve(&mut self, ctx: &Context) -> Result<(), TransitionError> {
        let submission = self.under_review()?;
        if ctx.form.is_signed() {
            let missing: Vec<OrgId> = ctx
                .parties
                .iter()
                .filter(|party| !submission.is_signed_by(party))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(TransitionError::MissingSignatures {
                    submission: submission.id.clone(),
                    missing,
                });
            }
        }
        submission.review = Some(Review {
            by: ctx.actor.clone(),
            verdict: Verdict::Approved,
        });
        self.status = Status::Approved;
        Ok(())
    }

    fn return_with(&mut self, comments: &[Comment], ctx: &Context) -> Result<(), TransitionError> {
        let submission = self.under_review()?;
        if comments.is_empty() {
            return Err(TransitionError::NoComments);
        }
        if let Some(blank) = comments.iter().find(|c| c.text.trim().is_empty()) {
            return Err(TransitionError::BlankComment {
                pointer: blank.pointer.clone(),
            });
        }
        if let Some(bad) = comments
            .iter()
            .find(|c| c.passage.as_ref().is_some_and(|p| !p.is_consistent()))
        {
            return Err(TransitionError::BadPassage {
                pointer: bad.pointer.clone(),
            });
        }
        submission.review = Some(Review {
            by: ctx.actor.clone(),
            verdict: Verdict::Returned {
                comments: comments.to_vec(),
            },
        });
        self.status = Status::Returned;
        Ok(())
    }

    fn collect(&mut self, ctx: &Context) -> Result<(), TransitionError> {
        match self.status {
            Status::Approved => {
                // An approved state always has its round's approved submission last.
                if let Some(submission) = self.submissions.last_mut() {
                    submission.collected_by = Some(ctx.actor.clone());
                }
                self.status = Status::Collected;
                Ok(())
            }
            Status::Collected => Err(TransitionError::AlreadyCollected {
                submission: self.current_id(),
            }),
            status => Err(TransitionError::NotApproved { status }),
        }
    }

    fn edit(&mut self) -> Result<(), TransitionError> {
        match self.status {
            Status::Draft => Ok(()),
            Status::Submitted => Err(TransitionError::UnderReview {
                submission: self.current_id(),
            }),
            Status::Returned | Status::Approved | Status::Collected => {
                // The decided submission keeps its review (and collection); the edited
                // document is a new version, reviewed in the next round.
                self.round = self.next_round()?;
                self.status = Status::Draft;
                Ok(())
            }
        }
    }

    /// The first broken invariant, if any.
    fn problem(&self) -> Option<String> {
        if self.round == 0 {
            return Some("rounds start at 1".to_owned());
        }
        for (index, submission) in self.submissions.iter().enumerate() {
            let round = submission.id.round;
            if submission.id.document != self.document {
                return Some(format!(
                    "submission {} is of another document",
                    submission.id
                ));
            }
            if usize::try_from(round).ok() != Some(index + 1) {
                return Some(format!(
                    "submission {} is number {} in the list; rounds must run 1, 2, 3, …",
                    submission.id,
                    index + 1
                ));
            }
            if round > self.round {
                return Some(format!(
                    "submission {} is ahead of round {}",
                    submission.id, self.round
                ));
            }
            if round < self.round && submission.review.is_none() {
                return Some(format!(
                    "submission {} of an earlier round was never reviewed",
                    submission.id
                ));
            }
            if self.submissions[..index].iter().any(|earlier| {
                earlier.is_version(&submission.heads, submission.content_sha256.as_deref())
            }) {
                return Some(format!(
                    "submission {} repeats an earlier version",
                    submission.id
                ));
            }
            for (i, signature) in submission.signatures.iter().enumerate() {
                if submission.signatures[..i]
                    .iter()
                    .any(|s| s.party == signature.party)
                {
                    return Some(format!(
                        "{} signed submission {} twice",
                        signature.party, submission.id
                    ));
                }
            }
            if submission.collected_by.is_some() && !submission.is_approved() {
                return Some(format!(
                    "submission {} is collected without approval",
                    submission.id
                ));
            }
            if let Some(Review {
                verdict: Verdict::Returned { comments },
                ..
            }) = &submission.review
                && comments.is_empty()
            {
                return Some(format!(
                    "submission {} is returned without comments",
                    submission.id
                ));
            }
        }
        let current = self.current();
        let consistent = match (self.status, current) {
            // A draft of round n follows n - 1 decided rounds, one submission each.
            (Status::Draft, None) => {
                usize::try_from(self.round).ok() == Some(self.submissions.len() + 1)
            }
            (Status::Submitted, Some(s)) => s.review.is_none() && s.collected_by.is_none(),
            (Status::Returned, Some(s)) => {
                matches!(
                    s.review,
                    Some(Review {
                        verdict: Verdict::Returned { .. },
                        ..
                    })
                ) && s.collected_by.is_none()
            }
            (Status::Approved, Some(s)) => s.is_approved() && s.collected_by.is_none(),
            (Status::Collected, Some(s)) => s.is_approved() && s.collected_by.is_some(),
            _ => false,
        };
        if !consistent {
            return Some(format!(
                "status {} does not match the submission of round {}",
                self.status, self.round
            ));
        }
        None
    }
}

/// The stored shape of a [`State`], checked by [`State::restore`] when deserialised.
#[derive(Deserialize)]
struct StateRecord {
    document: DocumentId,
    status: Status,
    round: u32,
    submissions: Vec<Submission>,
}

impl TryFrom<StateRecord> for State {
    type Error = InvalidState;

    fn try_from(record: StateRecord) -> Result<State, InvalidState> {
        State::restore(
            record.document,
            record.status,
            record.round,
            record.submissions,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_counts_characters_not_bytes_or_utf16_units() {
        // «ё» is two bytes in UTF-8, «𝔸» four bytes and two UTF-16 units: one character each.
        let text = "Ёлка 𝔸 и ель";
        let passage = Passage::in_text(text, 5, 8).unwrap();
        assert_eq!(passage.quote, "𝔸 и");
        assert_eq!((passage.start, passage.end), (5, 8));
        assert!(passage.is_consistent());
        assert_eq!(Passage::in_text(text, 0, 12).unwrap().quote, text);
        assert_eq!(Passage::in_text(text, 11, 12).unwrap().quote, "ь");
    }

    #[test]
    fn passage_must_hold_a_character_of_the_text() {
        let text = "абв";
        assert_eq!(
            Passage::in_text(text, 2, 2),
            Err(PassageError::Empty { start: 2, end: 2 })
        );
        assert_eq!(
            Passage::in_text(text, 2, 1),
            Err(PassageError::Empty { start: 2, end: 1 })
        );
        assert_eq!(
            Passage::in_text(text, 1, 4),
            Err(PassageError::PastTheEnd {
                start: 1,
                end: 4,
                len: 3
            })
        );
        assert_eq!(
            Passage::in_text(text, 7, 9),
            Err(PassageError::PastTheEnd {
                start: 7,
                end: 9,
                len: 3
            })
        );
        assert!(matches!(
            Passage::in_text("", 0, 1),
            Err(PassageError::PastTheEnd { len: 0, .. })
        ));
        let message = Passage::in_text(text, 1, 4)
            .unwrap_err()
            .message_ru("Анализ причин");
        assert!(message.contains("«Анализ причин»"), "{message}");
        assert!(message.contains("3 симв."), "{message}");
    }

    #[test]
    fn comments_stored_before_passages_still_read_and_serialise_as_before() {
        let old = r#"{"pointer":"/goals","text":"уточнить"}"#;
        let comment: Comment = serde_json::from_str(old).unwrap();
        assert_eq!(comment.passage, None);
        assert_eq!(serde_json::to_string(&comment).unwrap(), old);
        let with = Comment {
            passage: Some(Passage::in_text("одна цель", 5, 9).unwrap()),
            ..comment
        };
        let json = serde_json::to_string(&with).unwrap();
        assert!(
            json.contains(r#""passage":{"start":5,"end":9,"quote":"цель"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Comment>(&json).unwrap(), with);
    }
}
