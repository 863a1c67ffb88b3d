//! Narratives on Yjs: plain text and ProseMirror JSON from the fragment, splices, Markdown
//! with the fewest operations, row keys that follow their row, and three replicas' offline
//! edits that converge with no one's typing lost.

mod support;

use document::narrative::{
    Block, BlockKind, Narratives, Run, is_narrative, narrative_key, narrative_pointer,
    parse_markdown, plain_text,
};
use document::{Edit, apply, create};
use proptest::prelude::*;
use serde_json::json;
use support::{author, real_catalogue};

const KEY: &str = "/causes_analysis/internal_causes";

fn sync(a: &Narratives, b: &Narratives) {
    let to_b = a.diff_since(&b.state_vector()).unwrap();
    let to_a = b.diff_since(&a.state_vector()).unwrap();
    b.apply_update(&to_b).unwrap();
    a.apply_update(&to_a).unwrap();
}

#[test]
fn splices_read_back_as_plain_text_and_cross_lines() {
    let n = Narratives::new();
    n.splice(KEY, 0, 0, "Низкая мотивация").unwrap();
    n.splice(KEY, 7, 0, "учебная ").unwrap();
    assert_eq!(n.text(KEY).unwrap(), "Низкая учебная мотивация");
    n.splice(KEY, 24, 0, "\nНехватка кадров").unwrap();
    assert_eq!(n.blocks(KEY).len(), 2);
    assert_eq!(
        n.text(KEY).unwrap(),
        "Низкая учебная мотивация\nНехватка кадров"
    );
    // Joining the two lines deletes the line break.
    n.splice(KEY, 24, 1, "; ").unwrap();
    assert_eq!(
        n.text(KEY).unwrap(),
        "Низкая учебная мотивация; Нехватка кадров"
    );
    assert_eq!(n.blocks(KEY).len(), 1);
    let err = n.splice(KEY, 100, 1, "").unwrap_err();
    assert!(err.message_ru().contains("за конец текста"), "{err}");
}

#[test]
fn markdown_becomes_starter_kit_prosemirror_json() {
    let n = Narratives::new();
    let blocks = parse_markdown(
        "# Причины\n\nУчителя **не владеют** методиками и *не видят* смысла.\n\n- первая\n- вторая\n\n1. шаг\n2. ещё шаг\n",
    );
    n.set_blocks(KEY, &blocks);
    assert_eq!(
        n.text(KEY).unwrap(),
        "Причины\nУчителя не владеют методиками и не видят смысла.\n• первая\n• вторая\n1. шаг\n2. ещё шаг"
    );
    let pm = n.prosemirror(KEY);
    assert_eq!(pm["type"], "doc");
    assert_eq!(pm["content"][0]["type"], "heading");
    assert_eq!(pm["content"][0]["attrs"]["level"], 1);
    assert_eq!(pm["content"][1]["content"][1]["marks"][0]["type"], "bold");
    assert_eq!(pm["content"][1]["content"][3]["marks"][0]["type"], "italic");
    assert_eq!(pm["content"][2]["type"], "bulletList");
    assert_eq!(pm["content"][2]["content"][1]["type"], "listItem");
    assert_eq!(
        pm["content"][2]["content"][1]["content"][0]["type"],
        "paragraph"
    );
    assert_eq!(pm["content"][3]["type"], "orderedList");
    assert_eq!(n.blocks(KEY), blocks);
}

#[test]
fn markdown_replacement_is_the_smallest_edit_and_keeps_concurrent_typing() {
    let a = Narratives::new();
    a.set_blocks(
        KEY,
        &parse_markdown("Первый абзац.\n\nВторой абзац.\n\nТретий абзац."),
    );
    let b = Narratives::new();
    sync(&a, &b);
    // b types into the first paragraph while a replaces the document from Markdown that
    // changes only the third.
    b.splice(KEY, 7, 0, "важный ").unwrap();
    let update = a.set_blocks(
        KEY,
        &parse_markdown("Первый абзац.\n\nВторой абзац.\n\nТретий, **новый** абзац."),
    );
    assert!(update.len() < 200, "update of {} bytes", update.len());
    sync(&a, &b);
    assert_eq!(a.text(KEY), b.text(KEY));
    assert_eq!(
        a.text(KEY).unwrap(),
        "Первый важный абзац.\nВторой абзац.\nТретий, новый абзац."
    );
    // Replacing with the same Markdown changes nothing.
    let same = a.blocks(KEY);
    assert!(a.set_blocks(KEY, &same).is_empty());
}

#[test]
fn splitting_a_paragraph_keeps_the_larger_part_in_place() {
    let a = Narratives::new();
    a.splice(KEY, 0, 0, "Короткое. Длинное продолжение абзаца")
        .unwrap();
    let b = Narratives::new();
    sync(&a, &b);
    // a presses Enter after the first word; b types at the end of the paragraph meanwhile.
    a.splice(KEY, 9, 1, "\n").unwrap();
    b.splice(KEY, 36, 0, "!").unwrap();
    sync(&a, &b);
    assert_eq!(a.text(KEY), b.text(KEY));
    assert_eq!(
        a.text(KEY).unwrap(),
        "Короткое.\nДлинное продолжение абзаца!"
    );
}

#[test]
fn headings_survive_plain_splices_and_marks_stay_with_their_text() {
    let n = Narratives::new();
    n.set_blocks(
        KEY,
        &[
            Block::plain(BlockKind::Heading(2), "Итоги"),
            Block {
                kind: BlockKind::Paragraph,
                runs: vec![
                    Run {
                        text: "важно".into(),
                        bold: true,
                        italic: false,
                    },
                    Run::plain(" и всё"),
                ],
            },
        ],
    );
    n.splice(KEY, 5, 0, "\nНовый абзац").unwrap();
    let blocks = n.blocks(KEY);
    assert_eq!(blocks[0].kind, BlockKind::Heading(2));
    assert_eq!(blocks[1].text(), "Новый абзац");
    assert!(blocks[2].runs[0].bold);
    assert_eq!(plain_text(&blocks), "Итоги\nНовый абзац\nважно и всё");
}

#[test]
fn a_narrative_in_a_row_follows_its_row_when_rows_move() {
    let catalogue = real_catalogue();
    let me = author("Директор");
    let mut doc = create(
        &catalogue,
        "stimulus-policy-change",
        "lipetsk",
        &json!({}),
        &me,
    )
    .unwrap();
    for clause in ["1.1", "1.2"] {
        apply(
            &mut doc,
            &catalogue,
            &[Edit::Insert {
                pointer: "/changes/-".into(),
                value: json!({"clause": clause}),
            }],
            &me,
            None,
        )
        .unwrap();
    }
    assert!(is_narrative(&catalogue, "stimulus-policy-change", "/changes/1/rationale").unwrap());
    assert!(!is_narrative(&catalogue, "stimulus-policy-change", "/changes/1/clause").unwrap());
    let key = narrative_key(&doc, "/changes/1/rationale").unwrap();
    assert!(key.starts_with("/changes/@"), "{key}");
    let n = Narratives::new();
    n.splice(&key, 0, 0, "Обоснование второго пункта").unwrap();
    // The first row is removed: the narrative is now the first row's.
    apply(
        &mut doc,
        &catalogue,
        &[Edit::Remove {
            pointer: "/changes/0".into(),
        }],
        &me,
        None,
    )
    .unwrap();
    assert_eq!(
        narrative_pointer(&doc, &key).unwrap().as_deref(),
        Some("/changes/0/rationale")
    );
    let mut data = document::to_json(&doc).unwrap();
    n.overlay(&doc, &mut data).unwrap();
    assert_eq!(
        data["changes"][0]["rationale"],
        "Обоснование второго пункта"
    );
}

#[test]
fn malformed_and_oversized_updates_are_refused_without_change() {
    let n = Narratives::new();
    n.splice(KEY, 0, 0, "текст").unwrap();
    let before = n.encode_state();
    assert!(n.apply_update(&[0xff, 0xff, 0xff, 0x01, 0x02]).is_err());
    let big = vec![0u8; document::narrative::MAX_UPDATE_BYTES + 1];
    assert!(n.apply_update(&big).is_err());
    assert_eq!(n.encode_state(), before);
    assert_eq!(n.text(KEY).unwrap(), "текст");
}

/// Letters each replica types; only their typist ever deletes them.
const ALPHABETS: [&str; 3] = ["abcdefg", "hijklmn", "opqrstu"];

#[derive(Debug, Clone)]
enum Step {
    /// Replica types a letter of its alphabet at a position (modulo length), or Enter at the
    /// end of a line (splitting a line moves the smaller part's characters, which others may be
    /// typing into at the same time: that is y-prosemirror's model too, tested separately).
    Type {
        replica: usize,
        at: usize,
        letter: usize,
        newline: bool,
    },
    /// Replica deletes one of its own letters (the n-th, modulo how many it has).
    Delete { replica: usize, nth: usize },
    /// Two replicas exchange what they have.
    Sync { a: usize, b: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..3usize, 0..200usize, 0..7usize, proptest::bool::weighted(0.15))
            .prop_map(|(replica, at, letter, newline)| Step::Type { replica, at, letter, newline }),
        2 => (0..3usize, 0..50usize).prop_map(|(replica, nth)| Step::Delete { replica, nth }),
        1 => (0..3usize, 0..3usize).prop_map(|(a, b)| Step::Sync { a, b }),
    ]
}

fn own_letters(text: &str, replica: usize) -> String {
    text.chars()
        .filter(|c| ALPHABETS[replica].contains(*c))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn three_replicas_offline_edits_converge_and_lose_nothing(steps in prop::collection::vec(step(), 1..60)) {
        let replicas = [Narratives::new(), Narratives::new(), Narratives::new()];
        replicas[0].set_blocks(KEY, &parse_markdown("Общий текст.\n\n- пункт"));
        sync(&replicas[0], &replicas[1]);
        sync(&replicas[0], &replicas[2]);
        for step in steps {
            match step {
                Step::Type { replica, at, letter, newline } => {
                    let n = &replicas[replica];
                    let text = n.text(KEY).unwrap();
                    if newline {
                        // Enter at the end of a line: a new paragraph, no text moved.
                        let ends: Vec<usize> = text.chars().enumerate()
                            .filter(|(_, c)| *c == '\n')
                            .map(|(i, _)| i)
                            .chain([text.chars().count()])
                            .collect();
                        n.splice(KEY, ends[at % ends.len()], 0, "\n").unwrap();
                    } else {
                        let letter = ALPHABETS[replica].chars().nth(letter).unwrap().to_string();
                        n.splice(KEY, at % (text.chars().count() + 1), 0, &letter).unwrap();
                    }
                }
                Step::Delete { replica, nth } => {
                    let n = &replicas[replica];
                    let text = n.text(KEY).unwrap();
                    let mine: Vec<usize> = text.chars().enumerate()
                        .filter(|(_, c)| ALPHABETS[replica].contains(*c))
                        .map(|(i, _)| i)
                        .collect();
                    if !mine.is_empty() {
                        n.splice(KEY, mine[nth % mine.len()], 1, "").unwrap();
                    }
                }
                Step::Sync { a, b } if a != b => sync(&replicas[a], &replicas[b]),
                Step::Sync { .. } => {}
            }
        }
        let own: Vec<String> = (0..3).map(|r| own_letters(&replicas[r].text(KEY).unwrap(), r)).collect();
        sync(&replicas[0], &replicas[1]);
        sync(&replicas[1], &replicas[2]);
        sync(&replicas[0], &replicas[1]);
        let merged = replicas[0].text(KEY).unwrap();
        prop_assert_eq!(&merged, &replicas[1].text(KEY).unwrap());
        prop_assert_eq!(&merged, &replicas[2].text(KEY).unwrap());
        prop_assert_eq!(replicas[0].blocks(KEY), replicas[2].blocks(KEY));
        for (r, own) in own.iter().enumerate() {
            prop_assert_eq!(&own_letters(&merged, r), own, "replica {}'s typing", r);
        }
    }
}

#[test]
fn typing_into_a_line_while_another_adds_a_line_after_it() {
    let a = Narratives::new();
    a.splice(KEY, 0, 0, "Низкая мотивация учащихся.").unwrap();
    let b = Narratives::new();
    sync(&a, &b);
    b.splice(KEY, 26, 0, "\nНехватка кадров.").unwrap();
    a.splice(KEY, 6, 0, " учебная").unwrap();
    assert_eq!(a.text(KEY).unwrap(), "Низкая учебная мотивация учащихся.");
    sync(&a, &b);
    assert_eq!(a.text(KEY), b.text(KEY));
    assert_eq!(
        a.text(KEY).unwrap(),
        "Низкая учебная мотивация учащихся.\nНехватка кадров."
    );
    // A replica that only received the narrative lists it too.
    let c = Narratives::from_updates([a.encode_state().as_slice()]).unwrap();
    assert_eq!(c.keys(), [KEY]);
}

#[test]
fn seeding_the_same_old_text_on_two_replicas_gives_one_copy() {
    let a = Narratives::new();
    let b = Narratives::new();
    a.seed(KEY, "Старый текст\nвторая строка");
    b.seed(KEY, "Старый текст\nвторая строка");
    a.splice(KEY, 0, 0, "А: ").unwrap();
    sync(&a, &b);
    assert_eq!(a.text(KEY), b.text(KEY));
    assert_eq!(a.text(KEY).unwrap(), "А: Старый текст\nвторая строка");
}

#[test]
fn an_editor_keeps_its_place_across_line_breaks() {
    let n = Narratives::new();
    let mut editor = n.editor(KEY);
    let mut model = String::new();
    // Type three lines, then go back into the first and the second.
    for (at, text) in [
        (0, "один"),
        (4, "\nдва"),
        (8, "\nтри"),
        (2, "-"),
        (7, "+"),
        (12, "!"),
    ] {
        editor.splice(at, 0, text).unwrap();
        let mut chars: Vec<char> = model.chars().collect();
        chars.splice(at..at, text.chars());
        model = chars.into_iter().collect();
        assert_eq!(n.text(KEY).unwrap(), model);
    }
    editor.splice(5, 2, "").unwrap();
    assert_eq!(n.text(KEY).unwrap(), "од-ин+ва\nт!ри");
}
