//! A chat room on `spindle::actor`: one room actor, five member actors, one runtime.
//!
//! What it shows:
//!
//! - **Fan-out with `Fwd`s.** Each member joins with a [`Fwd`] to its own `hear` handler; the
//!   room forwards every line to every other member through them.
//! - **Timers on a virtual clock.** Members post on a script and send a heartbeat every 10 s
//!   (`cx.after`); the room sweeps every 10 s and kicks ([`ActorOwn::kill`]) a member it has
//!   not heard from for 30 s. The clock is virtual: the driver jumps straight to the next
//!   timer ([`Runtime::next_wake`]), so a minute of chat runs in microseconds.
//! - **Panic containment.** One member's handler panics on a line it cannot render. Only
//!   that actor stops: its [`StopCause`] comes back to the room through the
//!   [`Ret<StopCause>`](Ret) it was spawned with ([`Actor::ret`]), the room announces it, and
//!   the conversation carries on. A kicked member's cause arrives the same way.
//! - **Other threads.** Then a bridge thread posts 100 000 lines through a [`Remote`] to the
//!   room while the runtime waits in [`Runtime::run_until`]; timed against the same room
//!   built the std way, a thread per actor with `mpsc` channels.
//!
//! Every count (lines, deliveries, heartbeats, each member's lines heard, the stop causes) is
//! asserted, so a wrong result panics.
//!
//! Run with `cargo run --release --example chat_room`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use spindle::actor::{Actor, ActorOwn, Cx, Fwd, Remote, Ret, Runtime, StopCause};

/// Members send a heartbeat, and the room sweeps for idle members, this often.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// A member not heard from (post or heartbeat) for this long is kicked.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Virtual time the scripted session runs for.
const SESSION: Duration = Duration::from_secs(60);
/// Lines the bridge thread posts from outside the runtime.
const BRIDGE_LINES: u64 = 100_000;
/// What the member that cannot render non-ASCII text panics with.
const RENDER_PANIC: &str = "cannot render non-ASCII text";

/// A member's part in the session.
struct Script {
    name: &'static str,
    /// (second, text) of each post.
    posts: &'static [(u64, &'static str)],
    /// Heartbeats to send, one every `HEARTBEAT`.
    heartbeats: u32,
    /// Its `hear` handler panics on a non-ASCII line.
    ascii_only: bool,
}

const SCRIPTS: [Script; 5] = [
    Script {
        name: "alice",
        posts: &[
            (5, "hi all, standup in 5"),
            (17, "nice, benchmarks?"),
            (41, "guess not. lunch?"),
        ],
        heartbeats: 6,
        ascii_only: false,
    },
    Script {
        name: "bob",
        posts: &[(8, "morning!"), (33, "dave, you there?")],
        heartbeats: 6,
        ascii_only: false,
    },
    Script {
        name: "carol",
        posts: &[
            (12, "I pushed the queue fix"),
            (25, "ship it 🚀"),
            (52, "👍 noon"),
        ],
        heartbeats: 6,
        ascii_only: false,
    },
    // Joins, then says nothing and sends no heartbeat: kicked at the 30 s sweep.
    Script {
        name: "dave",
        posts: &[],
        heartbeats: 0,
        ascii_only: false,
    },
    // Panics on carol's rocket at 25 s; its post at 45 s never happens (a stopped actor's
    // timers are dropped).
    Script {
        name: "eve",
        posts: &[(15, "o/"), (45, "anyone?")],
        heartbeats: 6,
        ascii_only: true,
    },
];

/// One line of the conversation. `Send + Sync`, so the std baseline can share it too.
#[derive(Debug)]
struct Line {
    /// Time since the room opened.
    at: Duration,
    from: &'static str,
    text: String,
}

/// What the room counts per member; kept after the member leaves.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tally {
    posted: u64,
    heartbeats: u64,
}

/// A member as the room sees it.
struct Member {
    id: usize,
    name: &'static str,
    /// The member's `hear` handler.
    inbox: Fwd<Rc<Line>>,
    /// The room owns its members: a kick is a kill.
    own: ActorOwn<Client>,
    last_seen: Instant,
}

/// The room: fans lines out, tracks liveness, reports departures.
struct Room {
    opened: Instant,
    members: Vec<Member>,
    transcript: Vec<Rc<Line>>,
    tallies: BTreeMap<&'static str, Tally>,
    /// Lines handed to members' `Fwd`s.
    deliveries: u64,
    sweeps: u32,
    bridge_lines: u64,
    /// Posts from members the room no longer has.
    refused: u64,
    departures: Vec<(&'static str, Duration, StopCause)>,
}

impl Room {
    fn open(cx: &mut Cx<'_, Self>) -> Self {
        cx.after(HEARTBEAT, |room, cx| room.sweep(cx));
        Room {
            opened: cx.now(),
            members: Vec::new(),
            transcript: Vec::new(),
            tallies: BTreeMap::new(),
            deliveries: 0,
            sweeps: 0,
            bridge_lines: 0,
            refused: 0,
            departures: Vec::new(),
        }
    }

    fn join(
        &mut self,
        cx: &mut Cx<'_, Self>,
        id: usize,
        name: &'static str,
        own: ActorOwn<Client>,
    ) {
        let inbox = own.fwd(|client: &mut Client, cx, line| client.hear(cx, line));
        self.tallies.insert(name, Tally::default());
        self.members.push(Member {
            id,
            name,
            inbox,
            own,
            last_seen: cx.now(),
        });
    }

    /// Appends a line to the transcript and forwards it to every member but `except`.
    fn broadcast(&mut self, now: Instant, from: &'static str, text: String, except: Option<usize>) {
        let line = Rc::new(Line {
            at: now - self.opened,
            from,
            text,
        });
        for member in self.members.iter().filter(|m| Some(m.id) != except) {
            member.inbox.fwd(Rc::clone(&line));
            self.deliveries += 1;
        }
        self.transcript.push(line);
    }

    fn post(&mut self, cx: &mut Cx<'_, Self>, id: usize, text: String) {
        let now = cx.now();
        let Some(member) = self.members.iter_mut().find(|m| m.id == id) else {
            self.refused += 1;
            return;
        };
        member.last_seen = now;
        let name = member.name;
        self.tallies.entry(name).or_default().posted += 1;
        self.broadcast(now, name, text, Some(id));
    }

    fn heartbeat(&mut self, cx: &mut Cx<'_, Self>, id: usize) {
        if let Some(member) = self.members.iter_mut().find(|m| m.id == id) {
            member.last_seen = cx.now();
            self.tallies.entry(member.name).or_default().heartbeats += 1;
        }
    }

    /// Kicks the members idle for `IDLE_TIMEOUT`; they leave through `left`, like any other
    /// stopped member.
    fn sweep(&mut self, cx: &mut Cx<'_, Self>) {
        self.sweeps += 1;
        let now = cx.now();
        for member in &self.members {
            let idle = now - member.last_seen;
            if idle >= IDLE_TIMEOUT {
                member.own.kill(format!("idle for {} s", idle.as_secs()));
            }
        }
        cx.after(HEARTBEAT, |room, cx| room.sweep(cx));
    }

    /// A member stopped (the `Ret<StopCause>` it was spawned with): drop it, tell the others.
    fn left(&mut self, cx: &mut Cx<'_, Self>, id: usize, cause: Option<StopCause>) {
        let Some(cause) = cause else { return }; // the runtime is shutting down
        let Some(index) = self.members.iter().position(|m| m.id == id) else {
            return;
        };
        let member = self.members.remove(index);
        let now = cx.now();
        let verb = if matches!(cause, StopCause::Killed(_)) {
            "was kicked"
        } else {
            "left"
        };
        let notice = format!("{} {verb} ({cause})", member.name);
        self.broadcast(now, "room", notice, None);
        self.departures
            .push((member.name, now - self.opened, cause));
    }

    /// A line from the bridge thread, through the room's `Remote`.
    fn relay(&mut self, cx: &mut Cx<'_, Self>, text: String) {
        self.bridge_lines += 1;
        self.broadcast(cx.now(), "bridge", text, None);
    }
}

/// A member: posts on its script, sends heartbeats, counts what it hears.
struct Client {
    id: usize,
    name: &'static str,
    room: Actor<Room>,
    heartbeats_left: u32,
    ascii_only: bool,
    /// Lines heard; shared with `main`, so it can be read after the actor has stopped.
    heard: Rc<Cell<u64>>,
}

impl Client {
    fn start(cx: &mut Cx<'_, Self>, id: usize, room: Actor<Room>, heard: Rc<Cell<u64>>) -> Self {
        let script = &SCRIPTS[id];
        for &(second, text) in script.posts {
            cx.after(Duration::from_secs(second), move |client, cx| {
                client.say(cx, text)
            });
        }
        if script.heartbeats > 0 {
            cx.after(HEARTBEAT, |client, cx| client.heartbeat(cx));
        }
        Client {
            id,
            name: script.name,
            room,
            heartbeats_left: script.heartbeats,
            ascii_only: script.ascii_only,
            heard,
        }
    }

    fn say(&mut self, _: &mut Cx<'_, Self>, text: &'static str) {
        let id = self.id;
        self.room
            .call(move |room, cx| room.post(cx, id, text.to_owned()));
    }

    fn heartbeat(&mut self, cx: &mut Cx<'_, Self>) {
        let id = self.id;
        self.room.call(move |room, cx| room.heartbeat(cx, id));
        self.heartbeats_left -= 1;
        if self.heartbeats_left > 0 {
            cx.after(HEARTBEAT, |client, cx| client.heartbeat(cx));
        }
    }

    fn hear(&mut self, _: &mut Cx<'_, Self>, line: Rc<Line>) {
        if self.ascii_only && !line.text.is_ascii() {
            panic!("{}: {RENDER_PANIC}", self.name); // contained: only this actor stops
        }
        self.heard.set(self.heard.get() + 1);
    }
}

/// The bridge's lines, the same in both runs.
fn bridge_line(i: u64) -> String {
    format!("[irc] line {i}")
}

/// The same fan-out the std way: a thread per actor, `mpsc` channels between them. Returns
/// the time from starting the bridge until every member has heard every line.
fn std_baseline(members: usize) -> Duration {
    let start = Instant::now();
    let (inboxes, listeners): (Vec<_>, Vec<_>) = (0..members)
        .map(|_| {
            let (tx, rx) = mpsc::channel::<Arc<Line>>();
            (tx, thread::spawn(move || rx.iter().count() as u64))
        })
        .unzip();
    let (room_tx, room_rx) = mpsc::channel::<String>();
    let room = thread::spawn(move || {
        let mut transcript = Vec::new();
        for text in room_rx {
            let line = Arc::new(Line {
                at: start.elapsed(),
                from: "bridge",
                text,
            });
            for inbox in &inboxes {
                inbox.send(Arc::clone(&line)).expect("member alive");
            }
            transcript.push(line);
        }
        transcript.len() as u64
    });
    let bridge = thread::spawn(move || {
        for i in 0..BRIDGE_LINES {
            room_tx.send(bridge_line(i)).expect("room alive");
        }
    });
    bridge.join().expect("bridge ok");
    assert_eq!(room.join().expect("room ok"), BRIDGE_LINES);
    for listener in listeners {
        assert_eq!(listener.join().expect("member ok"), BRIDGE_LINES);
    }
    start.elapsed()
}

fn main() {
    // The default hook would print eve's panic as if something had gone wrong; it is the
    // point of the example. Every other panic is printed as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if !message.is_some_and(|m| m.contains(RENDER_PANIC)) {
            default_hook(info);
        }
    }));

    let t0 = Instant::now();
    let mut rt = Runtime::builder().start(t0).build().unwrap();
    let room = rt.spawn(Room::open);
    let mut clients = Vec::new();
    for (id, script) in SCRIPTS.iter().enumerate() {
        let heard = Rc::new(Cell::new(0));
        let (room_handle, counter) = (room.actor().clone(), Rc::clone(&heard));
        // Why the member stops comes back to the room as a call.
        let notify: Ret<StopCause> = room.ret(move |room, cx, cause| room.left(cx, id, cause));
        let own = rt.spawn_notify(
            move |cx| Client::start(cx, id, room_handle, counter),
            notify,
        );
        clients.push((script.name, own.actor().clone(), heard));
        room.call(move |room, cx| room.join(cx, id, SCRIPTS[id].name, own));
    }

    // The virtual clock: jump from timer to timer until the session is over.
    let started = Instant::now();
    let end = t0 + SESSION;
    rt.run(t0);
    while let Some(next) = rt.next_wake() {
        if next > end {
            break;
        }
        rt.run(next);
    }
    let session_time = started.elapsed();

    // The session, checked. Per line, the room forwards to every other member present.
    let (transcript, tallies, deliveries, sweeps, refused, departures) = rt
        .query(&room, |room, _| {
            let lines: Vec<String> = room
                .transcript
                .iter()
                .map(|l| {
                    format!(
                        "[{:02}:{:02}] {}: {}",
                        l.at.as_secs() / 60,
                        l.at.as_secs() % 60,
                        l.from,
                        l.text
                    )
                })
                .collect();
            let departures: Vec<(&str, u64, String)> = room
                .departures
                .iter()
                .map(|(name, at, cause)| (*name, at.as_secs(), cause.to_string()))
                .collect();
            (
                lines,
                room.tallies.clone(),
                room.deliveries,
                room.sweeps,
                room.refused,
                departures,
            )
        })
        .expect("the room is still running");
    assert_eq!(transcript.len(), 11, "9 posts + 2 departure notices");
    assert_eq!(deliveries, 37);
    assert_eq!(sweeps, 6, "a sweep every 10 s for 60 s");
    assert_eq!(refused, 0, "eve's 45 s post must never be made");
    let posted: Vec<u64> = SCRIPTS.iter().map(|s| tallies[s.name].posted).collect();
    let beats: Vec<u64> = SCRIPTS.iter().map(|s| tallies[s.name].heartbeats).collect();
    assert_eq!(
        posted,
        [3, 2, 3, 0, 1],
        "posts of alice, bob, carol, dave, eve"
    );
    assert_eq!(
        beats,
        [6, 6, 6, 0, 2],
        "eve's heartbeats stop with her at 25 s"
    );
    let heard: Vec<u64> = clients.iter().map(|(_, _, h)| h.get()).collect();
    assert_eq!(
        heard,
        [8, 9, 8, 7, 4],
        "lines heard by alice, bob, carol, dave, eve"
    );
    // Every delivery was heard, but the one eve panicked on.
    assert_eq!(heard.iter().sum::<u64>() + 1, deliveries);
    assert_eq!(departures.len(), 2);
    let (eve, eve_at, eve_cause) = &departures[0];
    assert_eq!((*eve, *eve_at), ("eve", 25));
    assert_eq!(*eve_cause, format!("actor panicked: eve: {RENDER_PANIC}"));
    let (dave, dave_at, dave_cause) = &departures[1];
    assert_eq!((*dave, *dave_at), ("dave", 30));
    assert_eq!(dave_cause, "actor killed: idle for 30 s");
    let status: Vec<bool> = clients
        .iter()
        .map(|(_, actor, _)| actor.is_zombie())
        .collect();
    assert_eq!(status, [false, false, false, true, true]);

    println!(
        "chat room: {} members on one Runtime, {} s of virtual time (heartbeat {} s, idle \
         timeout {} s)\n",
        SCRIPTS.len(),
        SESSION.as_secs(),
        HEARTBEAT.as_secs(),
        IDLE_TIMEOUT.as_secs()
    );
    for line in &transcript {
        println!("  {line}");
    }
    println!(
        "\n  {:<8} {:>6} {:>10} {:>6}  status",
        "member", "posts", "heartbeats", "heard"
    );
    for (i, (name, _, _)) in clients.iter().enumerate() {
        let status = departures
            .iter()
            .find(|(n, _, _)| n == name)
            .map_or("in the room".to_owned(), |(_, at, cause)| {
                format!("left at {at} s: {cause}")
            });
        println!(
            "  {name:<8} {:>6} {:>10} {:>6}  {status}",
            posted[i], beats[i], heard[i]
        );
    }
    println!(
        "\n{} lines (9 posts + 2 notices), {deliveries} deliveries through Fwds, {} heartbeats, \
         {sweeps} sweeps: {} s of virtual time ran in {session_time:.2?}",
        transcript.len(),
        beats.iter().sum::<u64>(),
        SESSION.as_secs()
    );

    // Another thread posts through a Remote; the runtime sleeps in run_until between letters.
    // Its clock stays at the virtual 60 s (real time is behind it), so no timer fires here.
    let survivors = clients
        .iter()
        .filter(|(_, actor, _)| !actor.is_zombie())
        .count();
    let before: Vec<u64> = clients.iter().map(|(_, _, h)| h.get()).collect();
    let remote: Remote<Room> = room.remote();
    let started = Instant::now();
    let bridge = thread::spawn(move || {
        for i in 0..BRIDGE_LINES {
            let text = bridge_line(i);
            remote
                .call(move |room, cx| room.relay(cx, text))
                .unwrap_or_else(|_| panic!("the runtime is alive"));
        }
    });
    rt.run_until(|core| room.query(core, |room, _| room.bridge_lines) == Some(BRIDGE_LINES))
        .expect("the bridge holds a Remote until it is done");
    let remote_time = started.elapsed();
    bridge.join().expect("bridge ok");
    for ((name, actor, heard), before) in clients.iter().zip(before) {
        let expected = if actor.is_zombie() { 0 } else { BRIDGE_LINES };
        assert_eq!(heard.get() - before, expected, "{name}: bridge lines heard");
    }
    let std_time = std_baseline(survivors);

    let per_line = |d: Duration| d.as_nanos() as f64 / BRIDGE_LINES as f64;
    println!(
        "\nbridge: {BRIDGE_LINES} lines from another thread, each fanned out to {survivors} \
         members ({} deliveries)",
        BRIDGE_LINES * survivors as u64
    );
    println!(
        "  {:<48} {:>9} {:>9} {:>8}",
        "", "time", "ns/line", "vs std"
    );
    println!(
        "  {:<48} {:>9.2?} {:>9.0} {:>7.2}x",
        "spindle: Remote -> room -> Fwds, one runtime",
        remote_time,
        per_line(remote_time),
        std_time.as_secs_f64() / remote_time.as_secs_f64()
    );
    println!(
        "  {:<48} {:>9.2?} {:>9.0} {:>7.2}x",
        format!("std: a thread per actor ({}), mpsc channels", survivors + 2),
        std_time,
        per_line(std_time),
        1.0
    );
}
