use base64::Engine as _;

use super::*;
use crate::fake::FakeGen;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn found(content: &str) -> Vec<(String, Encoding)> {
    runs(content.as_bytes())
        .into_iter()
        .map(|r| (content[r.range].to_string(), r.encoding))
        .collect()
}

#[test]
fn finds_base64_base64url_and_hex_runs_of_the_minimum_length() {
    let text = b64("user: ci-bot, password: hunter2-but-longer");
    let url = text.replace('+', "-").replace('/', "_") + "-_";
    let hex: String = "41".repeat(MIN_HEX_LEN / 2);
    let content = format!("a: {text}\nb = \"{url}\"\nc={hex};\nshort: {}\n", &text[..20]);
    assert_eq!(
        found(&content),
        vec![(text, Encoding::Base64), (url, Encoding::Base64url), (hex, Encoding::Hex)]
    );
}

#[test]
fn a_run_mixing_both_alphabets_is_no_run() {
    assert!(found("src/some_module/another-dir/deeply/nested_path_here/x").is_empty());
}

#[test]
fn wrapped_base64_is_one_run_across_its_lines() {
    let text = b64(&"-----BEGIN RSA PRIVATE KEY-----\n".repeat(6));
    let lines: Vec<&str> =
        text.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let wrapped = lines.join("\r\n    ");
    let content = format!("body:\r\n    {wrapped}\r\n    next: line\r\n");
    let runs = found(&content);
    assert_eq!(runs, vec![(wrapped.clone(), Encoding::Base64)]);
    let decoded = decode_text(wrapped.as_bytes(), Encoding::Base64).unwrap();
    assert!(decoded.starts_with(b"-----BEGIN RSA PRIVATE KEY-----\n"));
}

/// Every run a byte-by-byte search finds, the sampling search finds too.
#[test]
fn sampling_misses_no_run_that_reading_every_byte_finds() {
    let mut fake = FakeGen::new(21);
    let pieces: &[&[u8]] = &[b" ", b"\n", b"==", b";", b"\"", b"\r\n  "];
    for _ in 0..300 {
        let mut content = Vec::new();
        while content.len() < 2000 {
            let len = fake.below(80);
            content.extend(fake.string_from(b"abcdefXYZ0123456789", len).bytes());
            content.extend_from_slice(pieces[fake.below(pieces.len())]);
        }
        let expected = every_byte_runs(&content);
        let got: Vec<_> = runs(&content).into_iter().map(|r| r.range).collect();
        for range in expected {
            assert!(
                got.iter().any(|g| g.start <= range.start && range.end <= g.end),
                "missed {:?} in {}",
                range,
                String::from_utf8_lossy(&content)
            );
        }
    }
}

/// Maximal runs of at least `MIN_BASE64_LEN` alphanumerics, read byte by byte.
fn every_byte_runs(content: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in content.iter().chain(std::iter::once(&b' ')).enumerate() {
        match (b.is_ascii_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= MIN_BASE64_LEN {
                    out.push(s..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn only_runs_that_decode_to_text_are_decoded() {
    let text = b64("{\"password\": \"not-a-real-one-but-long\"}");
    assert_eq!(
        decode_text(text.as_bytes(), Encoding::Base64).unwrap(),
        b"{\"password\": \"not-a-real-one-but-long\"}"
    );
    let binary = base64::engine::general_purpose::STANDARD
        .encode([0u8, 159, 146, 150, 1, 2, 3, 200, 201, 202].repeat(20));
    assert_eq!(decode_text(binary.as_bytes(), Encoding::Base64), None);
    let digest = "9f86d081884c7d659a2feaa0c55ad015a2ae3d3c8b1c1f5e6d2b0e3a0f9c6e1d";
    assert_eq!(decode_text(digest.as_bytes(), Encoding::Hex), None);
    assert_eq!(decode_text(b"ThisIsJustAVeryLongIdentifierNameInJavaCode", Encoding::Base64), None);
}

#[test]
fn a_documented_base64_value_decodes_with_either_alphabet() {
    assert_eq!(base64_value(b64("ci:pass>word?").as_bytes()).unwrap(), b"ci:pass>word?");
    let url = b64("ci:pass>word?").replace('+', "-").replace('/', "_");
    assert_eq!(base64_value(url.trim_end_matches('=').as_bytes()).unwrap(), b"ci:pass>word?");
    assert_eq!(base64_value(b"!!!"), None);
}

/// Runs as the sampling search found them before it skipped words: every word a sampled byte
/// fell in was read whole.
fn runs_reading_whole_words(content: &[u8]) -> Vec<Run> {
    let mut found = Vec::new();
    let mut floor = 0;
    let mut at = MIN_BASE64_LEN - 1;
    while at < content.len() {
        if runs::class(content[at]) == 0 {
            at += MIN_BASE64_LEN;
            continue;
        }
        let mut start = at;
        while start > floor && runs::class(content[start - 1]) != 0 {
            start -= 1;
        }
        let (end, encoding) = runs::run_at(content, start, at + 1);
        if let Some(encoding) = encoding {
            found.push(Run { range: start..end, encoding });
        }
        floor = end;
        at = end + MIN_BASE64_LEN - 1;
    }
    found
}

fn random_encoded_text(fake: &mut FakeGen, len: usize) -> Vec<u8> {
    let pieces: &[&[u8]] =
        &[b" ", b"\n", b"\n    ", b"==", b"=", b";", b"\"", b"\r\n  ", b"/", b"+"];
    let alphabets: &[&[u8]] = &[
        b"abcdefXYZ0123456789",
        b"0123456789abcdef",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        b"-_abcXYZ09",
    ];
    let mut content = Vec::new();
    while content.len() < len {
        let alphabet = alphabets[fake.below(alphabets.len())];
        let word = fake.below(100);
        content.extend(fake.string_from(alphabet, word).bytes());
        content.extend_from_slice(pieces[fake.below(pieces.len())]);
    }
    content
}

/// The sixteen-byte block test agrees with the byte classes for every byte in every lane.
#[test]
fn block_test_agrees_with_the_byte_classes() {
    for byte in 0..=255u8 {
        for lane in 0..16 {
            let mut block = [b'A'; 16];
            block[lane] = byte;
            assert_eq!(
                runs::all_run_chars_for_tests(&block),
                runs::class(byte) != 0,
                "byte {byte:#04x} in lane {lane}"
            );
        }
    }
}

/// Any bytes at all (non-ASCII, punctuation next to the alphabets' ranges): the block search
/// finds what reading every sampled word found.
#[test]
fn block_search_finds_the_same_runs_in_arbitrary_bytes() {
    let mut fake = FakeGen::new(34);
    let odd: &[u8] = b"@[`{:.,=*\x7f\x80\xc3\xff\x00 \n";
    for _ in 0..300 {
        let mut content = random_encoded_text(&mut fake, 2000);
        for _ in 0..fake.below(40) {
            let at = fake.below(content.len());
            content[at] = odd[fake.below(odd.len())];
        }
        assert_eq!(runs(&content), runs_reading_whole_words(&content), "{content:?}");
    }
}

/// Skipping words finds exactly the runs that reading every sampled word found.
#[test]
fn skipping_words_finds_the_same_runs_as_reading_them() {
    let mut fake = FakeGen::new(33);
    for _ in 0..400 {
        let content = random_encoded_text(&mut fake, 3000);
        assert_eq!(
            runs(&content),
            runs_reading_whole_words(&content),
            "{}",
            String::from_utf8_lossy(&content)
        );
    }
}

/// The early rejection never turns away a run whose decoding is text.
#[test]
fn early_rejection_changes_no_decoding() {
    let mut fake = FakeGen::new(34);
    let texts = [
        "user: ci-bot\npassword: x",
        "{\"auth\":\"a:b\"}",
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "é ü ß 漢字 text",
        "\u{1}\u{2}binary",
    ];
    for round in 0..2000 {
        let mut encoded = match round % 3 {
            0 => b64(&texts[fake.below(texts.len())].repeat(1 + fake.below(6))).into_bytes(),
            1 => texts[fake.below(texts.len())]
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
            _ => {
                let len = 40 + fake.below(200);
                random_encoded_text(&mut fake, len)
            }
        };
        if round % 7 == 0 && encoded.len() > 70 {
            encoded.splice(64..64, b"\n  ".iter().copied());
        }
        for encoding in [Encoding::Base64, Encoding::Base64url, Encoding::Hex] {
            assert_eq!(
                decode_text(&encoded, encoding),
                sniffed_text(&encoded, encoding),
                "{encoding:?} {}",
                String::from_utf8_lossy(&encoded)
            );
        }
    }
}
