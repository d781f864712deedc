//! A client's session in `hopscope serve`, driven by arbitrary input: the client's frames
//! (any bytes) interleaved with what the relay reports (batches, replay starts, status),
//! on a clock that moves by arbitrary steps.
//!
//! Checks that nothing a client sends panics the session, that every replay it asks for
//! names only partitions of the topic with non-negative offsets, that a flood is answered
//! with at most a few error frames, and that what the session remembers stays bounded.
#![no_main]

use hopscope_core::protocol::{ServerMessage, StartFrom};
use hopscope_core::relay::{SessionInput, SessionOutput, Session};
use hopscope_core::Timestamp;
use libfuzzer_sys::fuzz_target;

const PARTITIONS: u32 = 6;

fuzz_target!(|data: &[u8]| {
    let mut s = Session::new(PARTITIONS, 20.0);
    let mut now = Timestamp(1_700_000_000_000);
    let mut rest = data;
    let mut errors_told = 0u64;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        // A chunk of input up to the next 0xFF.
        let end = rest.iter().position(|b| *b == 0xFF).unwrap_or(rest.len());
        let (chunk, after) = rest.split_at(end);
        rest = after.get(1..).unwrap_or(&[]);
        now = now.plus(hopscope_core::Span(i64::from(op >> 3) * 37));
        let nums: Vec<i64> = chunk
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                i64::from(u32::from_le_bytes(b) % 100_000)
            })
            .collect();
        let pairs: Vec<(u32, i64)> = nums
            .chunks(2)
            .map(|c| ((c[0] as u32) % PARTITIONS, *c.get(1).unwrap_or(&0)))
            .collect();
        match op % 8 {
            0 | 1 => s.handle_input(SessionInput::Frame(&String::from_utf8_lossy(chunk)), now),
            2 => s.handle_input(SessionInput::BinaryFrame, now),
            3 => s.handle_input(SessionInput::Following { owed: &pairs }, now),
            4 => {
                let spans: Vec<(u32, i64, i64)> =
                    pairs.iter().map(|&(p, o)| (p, o, o + 3)).collect();
                let after: Vec<(u32, i64)> = pairs.iter().map(|&(p, o)| (p, o + 4)).collect();
                s.handle_input(SessionInput::TailBatch { spans: &spans, after: &after }, now)
            }
            5 => s.handle_input(
                SessionInput::ReplayStarted { from: &pairs, skipped: &[], past_end: &[] },
                now,
            ),
            6 => s.handle_input(SessionInput::Records(&pairs), now),
            // The topic's oldest record time, when the bridge knows it.
            _ => s.handle_input(
                SessionInput::StatusDue(Some(&pairs), pairs.first().map(|&(_, o)| Timestamp(o))),
                now,
            ),
        }
        while let Some(out) = s.poll_output() {
            match out {
                SessionOutput::Replay(StartFrom::Offsets { offsets }) => {
                    for o in offsets {
                        assert!(o.partition < PARTITIONS, "unknown partition replayed");
                        assert!(o.offset >= 0, "negative offset replayed");
                    }
                }
                SessionOutput::Replay(StartFrom::Timestamp { timestamp }) => {
                    assert!(timestamp.0 >= 0, "a time before 1970 replayed");
                }
                SessionOutput::Send(ServerMessage::Error { message }) if message.starts_with("rate limit") => {
                    errors_told += 1;
                    assert!(errors_told <= 3, "a flood is told at most three times");
                }
                _ => {}
            }
        }
        assert!(s.next_offsets().len() <= PARTITIONS as usize, "offsets of partitions that do not exist");
    }
});
