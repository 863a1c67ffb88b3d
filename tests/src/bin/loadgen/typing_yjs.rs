//! Live typing fan-out over `/yjs/{doc}`: N yrs clients type into one narrative of one
//! document at a steady rate, each keystroke one Yjs update; a keystroke is timed from the
//! moment it is made to its arrival at each other client. A keystroke is recognised on arrival
//! by its Yjs id: each typist's clock after each keystroke is recorded, and an update that
//! moves a receiver's state vector for that typist past it has brought it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use document::narrative::Narratives;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact};

use crate::clients::login;
use crate::measure::{CpuWindow, Rng, peak_rss};
use crate::target::Target;
use crate::typing::{Outcome, Plan, USERS, sample_cpu, shared_document, summaries};

/// The narrative typed into: a programme's analysis of internal causes.
const KEY: &str = "/causes_analysis/internal_causes";

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Per typist, its Yjs client id and the clock after each keystroke with when it was made.
struct Typed {
    client: yrs::ClientID,
    keystrokes: Vec<(u32, Instant)>,
}

/// One yrs client connected to a room.
struct Peer {
    narratives: Arc<Narratives>,
    sink: SplitSink<Ws, WsMessage>,
    stream: SplitStream<Ws>,
}

impl Peer {
    /// Connects to `url` and completes the initial sync (the server's step 2 to our step 1,
    /// our step 2 to its step 1).
    async fn connect(url: url::Url) -> Peer {
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("connecting to /yjs");
        let (mut sink, mut stream) = ws.split();
        let narratives = Arc::new(Narratives::new());
        let sv = StateVector::decode_v1(&narratives.state_vector()).expect("our state vector");
        let step1 = Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1();
        sink.send(WsMessage::Binary(step1.into()))
            .await
            .expect("sending");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut synced = false;
        while !synced {
            let next = tokio::time::timeout_at(deadline, stream.next())
                .await
                .expect("the initial sync within 60 s");
            let Some(Ok(WsMessage::Binary(bytes))) = next else {
                continue;
            };
            for message in messages(&bytes) {
                match message {
                    Message::Sync(SyncMessage::SyncStep1(sv)) => {
                        let diff = narratives.diff_since(&sv.encode_v1()).expect("a diff");
                        let step2 = Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1();
                        sink.send(WsMessage::Binary(step2.into()))
                            .await
                            .expect("sending");
                    }
                    Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                        narratives
                            .apply_update(&update)
                            .expect("the update applies");
                        synced = true;
                    }
                    _ => {}
                }
            }
        }
        Peer {
            narratives,
            sink,
            stream,
        }
    }

    fn client_id(&self) -> yrs::ClientID {
        self.narratives.doc().client_id()
    }

    fn clock_of(narratives: &Narratives, client: yrs::ClientID) -> u32 {
        narratives.doc().transact().state_vector().get(&client)
    }
}

fn messages(bytes: &[u8]) -> Vec<Message> {
    let mut decoder = DecoderV1::new(Cursor::new(bytes));
    MessageReader::new(&mut decoder)
        .collect::<Result<Vec<_>, _>>()
        .expect("the server's messages decode")
}

/// Types into a narrative of a demo document on our server.
pub async fn ours(dir: &std::path::Path, plan: Plan) -> Outcome {
    let target = Target::ours(dir, Vec::new()).await;
    let url = target.direct_url();
    let mut tokens = Vec::new();
    for user in USERS {
        tokens.push(login(&url, user, e2e::demo_password(user)).await);
    }
    let document = shared_document(&url, &tokens).await;
    let urls = (0..plan.typists)
        .map(|i| target.yjs_url(Some(&tokens[i % USERS.len()]), &document))
        .collect();
    type_into(target, urls, plan).await
}

/// Types into the bare relay's room of the same name.
pub async fn bare(plan: Plan) -> Outcome {
    let target = Target::bare().await;
    let urls = (0..plan.typists)
        .map(|_| target.yjs_url(None, "typing"))
        .collect();
    type_into(target, urls, plan).await
}

/// The run, once the server is up: connects every typist, seeds a line, types, measures.
async fn type_into(target: Target, urls: Vec<url::Url>, plan: Plan) -> Outcome {
    let mut peers = Vec::new();
    for url in urls {
        peers.push(Peer::connect(url).await);
    }
    // A first line every typist has before typing starts.
    let seed = peers[0]
        .narratives
        .splice(KEY, 0, 0, "Причины низких результатов: ")
        .expect("the seed");
    let seed = Message::Sync(SyncMessage::Update(seed)).encode_v1();
    peers[0]
        .sink
        .send(WsMessage::Binary(seed.into()))
        .await
        .expect("sending");
    let seeded = peers[0].narratives.text(KEY).unwrap_or_default();
    for peer in &mut peers[1..] {
        while peer.narratives.text(KEY).unwrap_or_default() != seeded {
            let Some(Ok(WsMessage::Binary(bytes))) = peer.stream.next().await else {
                panic!("a typist lost its connection before typing");
            };
            for message in messages(&bytes) {
                if let Message::Sync(SyncMessage::Update(update)) = message {
                    peer.narratives.apply_update(&update).expect("applies");
                }
            }
        }
    }
    let typed: Vec<Arc<Mutex<Typed>>> = peers
        .iter()
        .map(|peer| {
            Arc::new(Mutex::new(Typed {
                client: peer.client_id(),
                keystrokes: Vec::new(),
            }))
        })
        .collect();
    let arrived: Arc<Mutex<Vec<(Instant, Duration)>>> = Arc::default();
    let pid = target.pid();
    let (up0, down0) = target.bytes();
    let window = CpuWindow::start(pid);
    let clients_window = CpuWindow::start(std::process::id());
    let start = Instant::now();
    let end = start + Duration::from_secs(plan.seconds);
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let mut receivers = Vec::new();
    let mut typists = Vec::new();
    for (me, peer) in peers.into_iter().enumerate() {
        let Peer {
            narratives,
            mut sink,
            mut stream,
        } = peer;
        // Receiver: applies what arrives and times the keystrokes it brings.
        let (others, arrived_here, mine) = (typed.clone(), arrived.clone(), narratives.clone());
        receivers.push(tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let WsMessage::Binary(bytes) = message else {
                    continue;
                };
                for message in messages(&bytes) {
                    let (Message::Sync(SyncMessage::Update(update))
                    | Message::Sync(SyncMessage::SyncStep2(update))) = message
                    else {
                        continue;
                    };
                    let before: Vec<u32> = others
                        .iter()
                        .map(|t| Peer::clock_of(&mine, t.lock().expect("typed").client))
                        .collect();
                    mine.apply_update(&update).expect("the update applies");
                    let now = Instant::now();
                    let mut arrived = arrived_here.lock().expect("arrived");
                    for (typist, was) in others.iter().zip(before) {
                        let typist = typist.lock().expect("typed");
                        if typist.client == mine.doc().client_id() {
                            continue;
                        }
                        let is = Peer::clock_of(&mine, typist.client);
                        // Clocks grow with each keystroke: the ones brought are a run.
                        let from = typist
                            .keystrokes
                            .partition_point(|(clock, _)| *clock <= was);
                        for (_, at) in typist.keystrokes[from..]
                            .iter()
                            .take_while(|(clock, _)| *clock <= is)
                        {
                            arrived.push((*at, now.duration_since(*at)));
                        }
                    }
                }
            }
        }));
        let (mine_typed, offset) = (
            typed[me].clone(),
            period.mul_f64(me as f64 / plan.typists as f64),
        );
        typists.push(tokio::spawn(async move {
            let mut rng = Rng::new(me as u64 + 11);
            let mut tick = tokio::time::interval_at((start + offset).into(), period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut made = 0usize;
            loop {
                tick.tick().await;
                if Instant::now() >= end {
                    return (made, sink);
                }
                let at = Instant::now();
                let length = narratives.text(KEY).unwrap_or_default().chars().count();
                let update = narratives
                    .splice(KEY, rng.below(length + 1), 0, "ж")
                    .expect("a splice");
                let clock = Peer::clock_of(&narratives, narratives.doc().client_id());
                mine_typed
                    .lock()
                    .expect("typed")
                    .keystrokes
                    .push((clock, at));
                let message = Message::Sync(SyncMessage::Update(update)).encode_v1();
                if sink.send(WsMessage::Binary(message.into())).await.is_err() {
                    return (made, sink);
                }
                made += 1;
            }
        }));
    }
    let sampler = sample_cpu(pid, plan.seconds, end);
    let mut keystrokes = 0;
    let mut sinks = Vec::new();
    for typist in typists {
        let (made, sink) = typist.await.expect("a typist");
        keystrokes += made;
        sinks.push(sink);
    }
    let expected = keystrokes * (plan.typists - 1);
    let drain = Instant::now();
    while arrived.lock().expect("arrived").len() < expected && drain.elapsed().as_secs() < 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (server_cpu, _) = window.used();
    let clients_cpu = clients_window.percent();
    let (cpu_first10, cpu_last10) = sampler.await.expect("the sampler");
    let (up, down) = target.bytes();
    let peak = peak_rss(pid);
    for receiver in &receivers {
        receiver.abort();
    }
    for mut sink in sinks {
        let _ = sink.close().await;
    }
    let kind = target.kind;
    let shutdown = target.stop(Duration::from_secs(30)).await;
    let arrived = std::mem::take(&mut *arrived.lock().expect("arrived"));
    let (all, last10) = summaries(&arrived, end);
    Outcome {
        kind,
        keystrokes,
        expected,
        all,
        last10,
        server_cpu: server_cpu.as_secs_f64(),
        cpu_first10,
        cpu_last10,
        clients_cpu,
        peak_rss: peak,
        wire_bytes: (up - up0) + (down - down0),
        shutdown,
    }
}
