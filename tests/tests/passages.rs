//! Comments on a passage of a narrative (issue 13), with the real server and CLI: a reviewer
//! returns a submitted programme with a comment on some words of its causes analysis; the
//! server checks the passage against the text as submitted (a passage on a field that is no
//! narrative, an empty one, one past the end are refused in Russian, naming the field, and
//! nothing is stored), quotes it itself, and the quote stays when the school edits the text
//! after the return; `ravenstvo review --comment POINTER@START..END=TEXT` makes one and
//! `ravenstvo status` shows the quote.

mod support;

use std::time::Duration;

use e2e::{Api, Replica, Server};
use serde_json::{Value, json};
use support::{Client, KEY, document, runtime};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

/// The causes analysis as the school writes it: a paragraph and a bulleted list, with letters
/// that take two bytes in UTF-8 (offsets count characters, not bytes).
const TEXT: &str = "Причины внутри школы:\n\
                    • учащиеся редко видят связь предметов с жизнью, а ещё реже — с профессией;\n\
                    • педагоги мало работают с индивидуальными затруднениями учеников;\n\
                    • родители включены в жизнь школы слабо.";

/// The character offsets of `words` in `text` (their first occurrence), end not included.
fn offsets(text: &str, words: &str) -> (usize, usize) {
    let byte = text.find(words).expect("the words are in the text");
    let start = text[..byte].chars().count();
    (start, start + words.chars().count())
}

/// Writes `text` into the narrative at [`KEY`] of `doc` as `login`, and waits until the server
/// holds it.
fn write_narrative(server: &Server, login: &str, doc: &str, text: &str) {
    runtime().block_on(async {
        let mut editor = Client::connect(server, login, doc).await.unwrap();
        let update = editor.narratives.set_text(KEY, text);
        editor
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        let mut other = Client::connect(server, login, doc).await.unwrap();
        assert!(other.until(|c| c.text() == text).await);
    });
}

/// The comments of round `round` of `doc` as `api` reads them.
fn comments(api: &Api, doc: &str, round: usize) -> Vec<Value> {
    let (status, detail) = api.get(&format!("/api/documents/{doc}"));
    assert_eq!(status, 200, "{detail}");
    detail["submissions"][round - 1]["comments"]
        .as_array()
        .unwrap_or_else(|| panic!("no round {round}: {detail}"))
        .clone()
}

#[test]
fn a_comment_quotes_a_passage_of_the_submitted_narrative_and_keeps_it_after_edits() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let draft = document(&server, "school-programme", "sukhodol");
    write_narrative(&server, "sukhodol-editor", &draft, TEXT);
    let school = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = school.get(&format!("/api/documents/{draft}"));
    let (status, body) = school.post(
        &format!("/api/documents/{draft}/submissions"),
        &json!({"heads": detail["heads"]}),
    );
    assert_eq!(status, 201, "{body}");

    let reviewer = Api::demo(&server, "reviewer");
    let review = |comments: Value| {
        reviewer.post(
            &format!("/api/documents/{draft}/review"),
            &json!({"verdict": "return", "comments": comments}),
        )
    };
    let length = TEXT.chars().count();
    let refusals = [
        // Past the end of the text as submitted.
        (
            json!([{"pointer": KEY, "text": "Что здесь?", "passage": {"start": 10, "end": length + 1}}]),
            "bad-passage",
            format!("выходит за конец текста поданной версии ({length} симв.)"),
        ),
        // Holding no character.
        (
            json!([{"pointer": KEY, "text": "Что здесь?", "passage": {"start": 7, "end": 7}}]),
            "bad-passage",
            "отрывок с 7 по 7 символ пуст".to_owned(),
        ),
        // On a field that is no narrative, beside a good comment: the whole return is refused.
        (
            json!([
                {"pointer": KEY, "text": "Уточните", "passage": {"start": 0, "end": 5}},
                {"pointer": "/title", "text": "Короче", "passage": {"start": 0, "end": 5}},
            ]),
            "not-a-narrative",
            "отрывок текста можно указать только в поле с форматированным текстом".to_owned(),
        ),
        // On the document as a whole.
        (
            json!([{"pointer": "", "text": "Весь документ", "passage": {"start": 0, "end": 1}}]),
            "not-a-narrative",
            "замечание к полю «документ в целом»".to_owned(),
        ),
    ];
    for (comments, code, words) in refusals {
        let (status, body) = review(comments.clone());
        assert_eq!(status, 422, "{comments}: {body}");
        assert_eq!(body["error"], code, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(&words), "{message}");
        if comments[0]["pointer"] == KEY && code == "bad-passage" {
            assert!(
                message.contains("«Анализ причин низких результатов → Внутренние причины»"),
                "the field is named by its titles: {message}"
            );
        }
    }
    let (_, after) = reviewer.get(&format!("/api/documents/{draft}"));
    assert_eq!(after["status"], "submitted", "nothing stored: {after}");

    // A good return: one comment on a passage (its quote sent by the client is ignored: the
    // server quotes), one on the whole field as before.
    let words = "а ещё реже — с профессией";
    let (start, end) = offsets(TEXT, words);
    let (status, body) = review(json!([
        {"pointer": KEY, "text": "При чём здесь профессия?",
         "passage": {"start": start, "end": end}, "quote": "подделка"},
        {"pointer": "/causes_analysis/external_causes", "text": "Заполните внешние причины"},
    ]));
    assert_eq!(status, 200, "{body}");
    let returned = comments(&school, &draft, 1);
    assert_eq!(returned.len(), 2, "{returned:?}");
    assert_eq!(returned[0]["quote"], words);
    assert_eq!(returned[0]["passage"], json!({"start": start, "end": end}));
    assert_eq!(returned[0]["pointer"], KEY);
    assert!(
        returned[1].get("passage").is_none() && returned[1].get("quote").is_none(),
        "a comment on a whole field has neither: {}",
        returned[1]
    );

    // The school rewrites the text: a new round starts, the comment keeps the words it quoted.
    let rewritten = TEXT.replace(words, "и не знают профессий региона");
    write_narrative(&server, "sukhodol-editor", &draft, &rewritten);
    let mut round = Value::Null;
    for _ in 0..50 {
        round = school.get(&format!("/api/documents/{draft}")).1;
        if round["round"] == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(round["round"], 2, "{round}");
    assert_eq!(comments(&school, &draft, 1)[0]["quote"], words);

    // The CLI: the school's status shows the quote under its comment.
    let replica = Replica::new(&dir.path().join("school"), "Завуч");
    replica.login(&server, "sukhodol-editor");
    let status = replica.ok(&["status", &draft]);
    assert!(status.contains("При чём здесь профессия?"), "{status}");
    assert!(
        status.contains(&format!("к отрывку «{words}» (символы {start}..{end})")),
        "{status}"
    );
    server.assert_audit_holds();
}

#[test]
fn the_cli_returns_with_a_comment_on_a_passage() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let draft = document(&server, "school-programme", "sukhodol");
    write_narrative(&server, "sukhodol-editor", &draft, TEXT);
    let school = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = school.get(&format!("/api/documents/{draft}"));
    let (status, body) = school.post(
        &format!("/api/documents/{draft}/submissions"),
        &json!({"heads": detail["heads"]}),
    );
    assert_eq!(status, 201, "{body}");

    let reviewer = Replica::new(&dir.path().join("reviewer"), "Проверяющий");
    reviewer.login(&server, "reviewer");
    let words = "индивидуальными затруднениями";
    let (start, end) = offsets(TEXT, words);
    // A range past the end: refused by the server with its Russian message, exit code 1.
    let out = reviewer.run(&[
        "review",
        &draft,
        "return",
        "--comment",
        &format!("{KEY}@{start}..9999=Уточните"),
    ]);
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("выходит за конец текста"), "{said}");
    // Not a range at all: a usage error before anything is sent.
    let out = reviewer.run(&[
        "review",
        &draft,
        "return",
        "--comment",
        &format!("{KEY}@{start}=Уточните"),
    ]);
    assert_eq!(out.status.code(), Some(2));

    reviewer.ok(&[
        "review",
        &draft,
        "return",
        "--comment",
        &format!("{KEY}@{start}..{end}=С какими именно?"),
    ]);
    let returned = comments(&school, &draft, 1);
    assert_eq!(returned[0]["quote"], words, "{returned:?}");
    assert_eq!(returned[0]["text"], "С какими именно?");
}

#[test]
fn the_openapi_document_describes_passages_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (status, doc) = Api::anonymous(&server).get("/api/openapi.json");
    assert_eq!(status, 200);
    let schemas = &doc["components"]["schemas"];
    let passage = &schemas["Passage"]["properties"];
    assert!(
        passage["start"].is_object() && passage["end"].is_object(),
        "{passage}"
    );
    assert!(
        schemas["NewComment"]["properties"]["passage"].is_object(),
        "{}",
        schemas["NewComment"]
    );
    let view = &schemas["CommentView"]["properties"];
    assert!(
        view["passage"].is_object() && view["quote"].is_object(),
        "{view}"
    );
}
