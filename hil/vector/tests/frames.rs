//! Framing: what a reader makes of clean, noisy, damaged and cut streams.

use memspec_vector::frame::{
    Deframer, Event, MAGIC, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, OVERHEAD_BYTES, SkipReason, TooLong,
    write_frame,
};

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    write_frame(payload, &mut |b| v.extend_from_slice(b)).unwrap();
    v
}

/// What a deframer makes of `stream`, fed `chunk` bytes at a time.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Frame(Vec<u8>),
    Skipped(usize, SkipReason),
}

fn cut(stream: &[u8], chunk: usize) -> Vec<Seen> {
    let mut rx = Box::new(Deframer::<{ 2 * MAX_FRAME_BYTES }>::new());
    let mut seen = Vec::new();
    // Skipped bytes arrive in pieces when the stream does; a run of them counts once.
    let drain = |rx: &mut Deframer<{ 2 * MAX_FRAME_BYTES }>, seen: &mut Vec<Seen>| loop {
        match rx.next_event() {
            Event::Frame(p) => seen.push(Seen::Frame(p.to_vec())),
            Event::Skipped { bytes, why } => match seen.last_mut() {
                Some(Seen::Skipped(n, w)) if *w == why => *n += bytes,
                _ => seen.push(Seen::Skipped(bytes, why)),
            },
            Event::NeedMore => break,
        }
    };
    for piece in stream.chunks(chunk.max(1)) {
        let mut rest = piece;
        while !rest.is_empty() {
            let n = rx.push(rest);
            rest = &rest[n..];
            drain(&mut rx, &mut seen);
        }
    }
    rx.end();
    drain(&mut rx, &mut seen);
    seen
}

/// Payloads filled with recognisable patterns.
fn payloads() -> [Vec<u8>; 3] {
    [vec![0xA1; 3], vec![0xB2; 40], vec![0xC3; 1]]
}

#[test]
fn a_frame_is_magic_length_payload_and_checksum() {
    let f = frame(&[0x11, 0x22]);
    assert_eq!(&f[..4], &MAGIC);
    assert_eq!(&f[4..6], &[2, 0], "length, little-endian");
    assert_eq!(&f[6..8], &[0x11, 0x22]);
    // CRC-32 of the bytes 02 00 11 22, computed with Python's zlib.crc32(bytes([2, 0, 0x11, 0x22])).
    assert_eq!(&f[8..], &0x0DF4_7563u32.to_le_bytes());
    assert_eq!(f.len(), 2 + OVERHEAD_BYTES);
}

#[test]
fn clean_frames_come_out_whole_however_the_stream_is_cut() {
    let p = payloads();
    let stream: Vec<u8> = p.iter().flat_map(|x| frame(x)).collect();
    let want: Vec<Seen> = p.iter().map(|x| Seen::Frame(x.clone())).collect();
    for chunk in [1, 2, 7, 64, stream.len()] {
        assert_eq!(cut(&stream, chunk), want, "chunks of {chunk} bytes");
    }
}

#[test]
fn bytes_between_frames_are_skipped_and_named_garbage() {
    let p = payloads();
    let mut stream = b"QEMU says hello\n".to_vec();
    stream.extend(frame(&p[0]));
    stream.extend([0xA5, 0x4D, 0x00]); // a false start: the magic's first two bytes
    stream.extend(frame(&p[1]));
    let seen = cut(&stream, 5);
    assert_eq!(
        seen,
        vec![
            Seen::Skipped(16, SkipReason::Garbage),
            Seen::Frame(p[0].clone()),
            Seen::Skipped(3, SkipReason::Garbage),
            Seen::Frame(p[1].clone()),
        ]
    );
}

#[test]
fn a_bad_checksum_costs_that_frame_and_no_other() {
    let p = payloads();
    let mut bad = frame(&p[1]);
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let stream: Vec<u8> = [frame(&p[0]), bad.clone(), frame(&p[2])].concat();
    assert_eq!(
        cut(&stream, 3),
        vec![
            Seen::Frame(p[0].clone()),
            Seen::Skipped(bad.len(), SkipReason::BadChecksum),
            Seen::Frame(p[2].clone()),
        ]
    );
}

#[test]
fn a_flipped_payload_bit_is_a_bad_checksum() {
    let mut f = frame(&[0x5A; 8]);
    f[9] ^= 0x80;
    assert_eq!(
        cut(&f, 100),
        vec![Seen::Skipped(f.len(), SkipReason::BadChecksum)]
    );
}

#[test]
fn a_frame_cut_short_by_the_next_one_is_truncated() {
    let p = payloads();
    let whole = frame(&p[1]);
    let short = &whole[..whole.len() - 10];
    let stream: Vec<u8> = [short.to_vec(), frame(&p[2])].concat();
    for chunk in [1, 4, stream.len()] {
        assert_eq!(
            cut(&stream, chunk),
            vec![
                Seen::Skipped(short.len(), SkipReason::Truncated),
                Seen::Frame(p[2].clone())
            ],
            "chunks of {chunk} bytes"
        );
    }
}

#[test]
fn a_stream_that_ends_inside_a_frame_reports_it_truncated() {
    let p = payloads();
    let whole = frame(&p[1]);
    let stream: Vec<u8> = [frame(&p[0]), whole[..7].to_vec()].concat();
    assert_eq!(
        cut(&stream, 3),
        vec![Seen::Frame(p[0].clone()), Seen::Skipped(7, SkipReason::Truncated)]
    );
}

#[test]
fn a_header_announcing_too_long_a_payload_is_skipped() {
    let p = payloads();
    let mut stream = MAGIC.to_vec();
    stream.extend(((MAX_PAYLOAD_BYTES + 1) as u16).to_le_bytes());
    stream.extend(frame(&p[0]));
    assert_eq!(
        cut(&stream, 2),
        vec![Seen::Skipped(6, SkipReason::Oversize), Seen::Frame(p[0].clone())]
    );
}

#[test]
fn the_longest_payload_fits_and_one_byte_more_is_refused() {
    let big = vec![0xEE; MAX_PAYLOAD_BYTES];
    assert_eq!(cut(&frame(&big), 1000), vec![Seen::Frame(big)]);
    let mut sink = Vec::new();
    let r = write_frame(&vec![0; MAX_PAYLOAD_BYTES + 1], &mut |b| {
        sink.extend_from_slice(b)
    });
    assert_eq!(
        r,
        Err(TooLong {
            bytes: MAX_PAYLOAD_BYTES + 1
        })
    );
    assert!(sink.is_empty(), "nothing is written for a refused payload");
}

#[test]
fn an_empty_payload_is_a_frame() {
    assert_eq!(cut(&frame(&[]), 1), vec![Seen::Frame(vec![])]);
}
