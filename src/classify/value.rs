//! What a value after a secret-naming key is: random enough to have been generated, or
//! something a person typed that is not a credential — a reference to one elsewhere, the name
//! of a thing, a placeholder built from words that name the secret, words of a language, a
//! sequence or keyboard walk. Measured on the labelled real repositories in `eval/real/`.

use super::{MAX_SEQUENCE_SHARE, MIN_P_RANDOM, MIN_STRONG_PASSWORD_LEN};

/// What a value is, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// Drawn from an alphabet at random, as generated keys and tokens are.
    Random,
    /// Typed but not a name or placeholder (`Forge123`): a chosen password.
    Chosen,
    /// Points at the secret elsewhere: `${VAR}`, `{{ var }}`, `@VAR@`, `urn:...`, a path.
    Reference,
    /// An identifier, route or type: words joined by `_ - . / : :: #` or camel case.
    Name,
    /// Words that name the secret or fill a blank (`my-secret-token`, `Password123!`, `s3cr3t`).
    Placeholder,
    /// Natural-language text: words with spaces, or letters outside ASCII.
    Words,
    /// Mostly runs of consecutive characters or keyboard rows (`abc123`, `asdfqwer`, `q1w2e3`).
    Sequence,
}

impl ValueKind {
    /// Whether a generic rule may report a value of this kind.
    pub(crate) fn is_generated(self) -> bool {
        self == ValueKind::Random
    }

    /// Whether a literal someone wrote where a key goes may be the key (or a password).
    pub(crate) fn may_be_typed_secret(self) -> bool {
        matches!(self, ValueKind::Random | ValueKind::Chosen)
    }
}

/// What the value after a password-naming key is, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordValue {
    /// A reference, a qualified name (`users.password_reset`, `mysql-password`), words of a
    /// language, a mask (`[FILTERED]`) or a literal that types a field (`string`, `null`).
    NotOne,
    /// A word, a word with digits, a sequence or a spelled-out placeholder (`banana`,
    /// `welcome1`, `abc123`, `P@ssw0rd`), or shorter than six characters: a weak or sample
    /// password, a credential where the system it opens is real.
    Weak,
    /// Random-looking, or typed without being a word or a name (`Kx7#mQ2v`).
    Strong,
}

/// Literals that say what a field holds rather than holding it (API schemas, form specs).
const FIELD_LITERALS: &[&str] = &[
    "true",
    "false",
    "null",
    "none",
    "nil",
    "undefined",
    "empty",
    "required",
    "optional",
    "string",
    "text",
    "hidden",
    "boolean",
    "number",
    "integer",
    "object",
    "array",
    "secure",
    "masked",
    "sensitive",
    "redacted",
    "filtered",
    "unset",
    "disabled",
    "enabled",
    "bool",
    "confirmed",
    // how a password is set rather than what it is (`update_password: always`)
    "always",
    "never",
    // what `typeof password === '...'` compares with
    "function",
    "symbol",
    "bigint",
];

/// What `value`, written after a password-naming key, is.
pub(crate) fn password_value(value: &[u8]) -> PasswordValue {
    let Ok(text) = std::str::from_utf8(value) else { return PasswordValue::Strong };
    let masked = (text.starts_with('[') && text.ends_with(']'))
        || (text.len() >= 3 && text.bytes().all(|b| b == text.as_bytes()[0]));
    let sample = is_listed(text, SAMPLE_PASSWORDS);
    if masked
        || is_reference(text)
        || text.trim().contains(' ')
        || in_a_foreign_script(text)
        || text.ends_with("...")
        || is_listed(text, FIELD_LITERALS)
        || (names_the_field(text) && !sample)
        || is_compound_name(text)
        // a port, a count, a version: a PIN has six digits or more
        || (text.len() < MIN_STRONG_PASSWORD_LEN && text.bytes().all(|b| b.is_ascii_digit()))
    {
        return PasswordValue::NotOne;
    }
    if sample {
        return PasswordValue::Weak;
    }
    // `J6aVjTgOpRs$?5l+Zkq2AYnCE@RF§P`: a symbol from outside ASCII in a typed password; the
    // rest tells what it is
    if !text.is_ascii() {
        let ascii: String = text.chars().filter(char::is_ascii).collect();
        return match classify(ascii.as_bytes()) {
            ValueKind::Random | ValueKind::Chosen => PasswordValue::Strong,
            _ => PasswordValue::Weak,
        };
    }
    match classify(value) {
        ValueKind::Random | ValueKind::Chosen => PasswordValue::Strong,
        ValueKind::Reference | ValueKind::Words => PasswordValue::NotOne,
        ValueKind::Name | ValueKind::Placeholder | ValueKind::Sequence => PasswordValue::Weak,
    }
}

/// Words of a key that say its value is text shown to a person (a form's label, a translated
/// message), not the password itself.
const DISPLAY_TEXT_KEY_WORDS: &[&str] = &[
    "label",
    "lbl",
    "title",
    "placeholder",
    "hint",
    "prompt",
    "message",
    "msg",
    "text",
    "caption",
    "tooltip",
    "heading",
    "description",
    "help",
    "button",
    "btn",
    "link",
    "forgot",
];

/// Whether `key` (what a match holds before its value) names display text: `LABEL_PASSWORD`,
/// `passwordHint`, `forgot_password_title`. Judged by whole words, so `contextPassword` does
/// not name `text`.
pub(crate) fn names_display_text(key: &[u8]) -> bool {
    let Ok(key) = std::str::from_utf8(key) else { return false };
    segments(key).iter().any(|word| is_listed(word, DISPLAY_TEXT_KEY_WORDS))
}

/// A value in which more than this share of the characters are outside ASCII is written in a
/// language (`Contraseña` is not, `忘記密碼` is); below it, the non-ASCII characters are
/// symbols of a typed password.
const MAX_FOREIGN_SHARE_OF_A_PASSWORD: f64 = 0.25;

/// Whether `text` is mostly letters of a script other than Latin (a translated label).
fn in_a_foreign_script(text: &str) -> bool {
    let foreign = text.chars().filter(|c| !c.is_ascii()).count();
    foreign as f64 > MAX_FOREIGN_SHARE_OF_A_PASSWORD * text.chars().count() as f64
}

/// The classic sample passwords among the words that fill a blank: after a password-naming
/// key (`MYSQL_PASSWORD=secret`, `password: admin`) they are the password, a weak one, where
/// other filler words (`default`, `random`, `user`) say how the password is set. All shorter
/// than the eight characters above which a report redacts a secret wherever else it occurs.
const SAMPLE_PASSWORDS: &[&str] =
    &["secret", "test", "testing", "hello", "world", "admin", "root", "guest", "demo", "wrong"];

/// `password`, `--password`, `root`, `test`: a word naming the secret or filling a blank, which
/// in code is the variable or flag that holds it (and, reported, would be redacted out of
/// every path that contains it).
fn names_the_field(text: &str) -> bool {
    let word = text.trim_start_matches('-').trim_end_matches('=');
    is_listed(word, SECRET_WORDS) || is_listed(word, FILLER_WORDS)
}

/// Words joined into an identifier, a dotted path or a file name, rather than a password:
/// `users.password_reset`, `reset_password.html`, `mysql-password`, `encodedPassword`. Only
/// word characters and `. / : # | - _`; a dot, slash, colon, hash or bar between words, or
/// words joined by `-` or `_` or in lower camel case of which one names the secret.
fn is_compound_name(text: &str) -> bool {
    let name_bytes = |b: u8| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b':' | b'#' | b'-' | b'_' | b'|')
    };
    if !text.bytes().all(name_bytes) {
        return false;
    }
    let parts = segments(text);
    let words: Vec<&&str> =
        parts.iter().filter(|p| p.bytes().all(|b| b.is_ascii_alphabetic())).collect();
    let path_separator = text.bytes().any(|b| matches!(b, b'.' | b'/' | b':' | b'#' | b'|'));
    // joined by `-` or `_`: camel case (`S0meHardPassword`) is how people write passwords too
    let joined = text.bytes().any(|b| b == b'-' || b == b'_');
    // `encodedPassword`: lower camel case, letters only, is a variable's name
    let lower_camel = text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.bytes().all(|b| b.is_ascii_alphabetic())
        && text.bytes().any(|b| b.is_ascii_uppercase());
    let names_secret =
        (joined || lower_camel) && words.iter().any(|w| w.len() >= 4 && is_listed(w, SECRET_WORDS));
    words.len() >= 2
        && ((path_separator && words.iter().any(|w| w.len() >= 3 && is_word(w))) || names_secret)
}

/// Words that name a secret or its role; a value made of them (and digits or punctuation)
/// names the secret instead of being one.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "tokens",
    "key",
    "keys",
    "api",
    "apikey",
    "access",
    "private",
    "auth",
    "credential",
    "credentials",
    "cred",
    "value",
    "string",
    "str",
    "session",
    "csrf",
    "bearer",
    "jwt",
    "client",
    "signing",
    "encrypted",
    "encryption",
    "hash",
    "salt",
    "pin",
    "code",
    "otp",
];

/// Words that fill a blank in examples and tests.
const FILLER_WORDS: &[&str] = &[
    "my", "your", "our", "the", "some", "any", "other", "another", "new", "old", "test", "testing",
    "tests", "dummy", "fake", "sample", "example", "default", "custom", "secure", "random",
    "valid", "invalid", "wrong", "correct", "good", "bad", "real", "super", "very", "top", "not",
    "no", "foo", "bar", "baz", "qux", "quux", "lorem", "ipsum", "hello", "world", "abc", "xyz",
    "user", "username", "admin", "root", "guest", "demo", "local", "dev", "prod", "next", "prev",
    "previous", "first", "second", "third", "existing", "minted", "self", "signed", "server",
];

/// Runs that make a sequence or a keyboard walk (read both ways); at most eight, as
/// [`walk_steps`] keeps two bits per row in a `u16`.
const WALKS: &[&[u8]] = &[
    b"abcdefghijklmnopqrstuvwxyz",
    b"0123456789",
    b"qwertyuiop",
    b"asdfghjkl",
    b"zxcvbnm",
    b"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    b"q1w2e3r4t5y6u7i8o9p0",
    b"!@#$%^&*()",
];

/// The 300 most frequent letter pairs of English text: words are full of them, random
/// strings hold about 300/676 of them by chance.
const COMMON_BIGRAMS: &str = "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu";

/// What `value` is.
pub(crate) fn classify(value: &[u8]) -> ValueKind {
    let Ok(text) = std::str::from_utf8(value) else { return ValueKind::Random };
    if is_reference(text) {
        return ValueKind::Reference;
    }
    if text.len() < MIN_STRONG_PASSWORD_LEN {
        return ValueKind::Placeholder;
    }
    if sequence_share(text) >= MAX_SEQUENCE_SHARE {
        return ValueKind::Sequence;
    }
    let unleet = unleet(text);
    if is_placeholder(text)
        || is_placeholder(&unleet)
        || is_qualified_secret_name(text)
        || text.ends_with("...")
    {
        return ValueKind::Placeholder;
    }
    if text.trim().contains(' ') || !text.is_ascii() {
        return ValueKind::Words;
    }
    // digits read as letters only where symbols say the value is written in leet
    let leet = text.bytes().any(|b| matches!(b, b'@' | b'$' | b'!'));
    if is_name(text) || (leet && is_name(&unleet)) {
        return ValueKind::Name;
    }
    if p_random(value) >= MIN_P_RANDOM {
        ValueKind::Random
    } else if value.len() >= MIN_STRONG_PASSWORD_LEN {
        ValueKind::Chosen
    } else {
        ValueKind::Placeholder
    }
}

fn is_reference(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let starts = |p: &str| lower.starts_with(p);
    let has = |p: &str| lower.contains(p);
    has("${")
        || has("#{")
        || has("{{")
        || has("}}")
        || has("env[")
        || has("process.env")
        || has("os.environ")
        || has("getenv")
        || (starts("<") && lower.ends_with('>'))
        || (starts("@")
            && lower.len() > 2
            && lower[1..].trim_end_matches('@').bytes().all(is_word_byte))
        || (starts("%") && lower.ends_with('%') && lower.len() > 2)
        || (starts("$") && lower[1..].bytes().all(is_word_byte) && lower.len() > 1)
        // `@env:AC_PASSWORD`, `@keychain:name`: gon's and altool's references
        || ["urn:", "classpath:", "file:", "@env:", "@keychain:"].iter().any(|p| starts(p))
        || is_member_path(&lower)
        || ["/", "./", "../", "~/"]
            .iter()
            .any(|p| lower.strip_prefix(p).is_some_and(|path| !path.is_empty() && is_name(path)))
}

/// `cr.config.password`, `settings.db_password`: an object's field that holds the secret.
fn is_member_path(lower: &str) -> bool {
    lower.contains('.')
        && lower.bytes().all(|b| is_word_byte(b) || b == b'.')
        && lower
            .rsplit('.')
            .next()
            .is_some_and(|field| SECRET_WORDS.iter().any(|w| w.len() >= 4 && field.ends_with(w)))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `$` for `s`, `@` for `a`, `0` for `o`, ...: placeholders written the way people write
/// "strong" passwords (`P@ssw0rd`, `s3cr3t`) read as the words they spell.
fn unleet(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '@' => 'a',
            '$' => 's',
            '!' => 'i',
            other => other,
        })
        .collect()
}

/// Splits `text` at separators (`_ - . / : # | @ , space`) and at camel-case, letter/digit
/// and symbol boundaries: `actionDispatch.secret_key2` → `action Dispatch secret key 2`.
fn segments(text: &str) -> Vec<&str> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Upper,
        Lower,
        Digit,
        Other,
    }
    let class = |c: char| {
        if c.is_ascii_uppercase() {
            Class::Upper
        } else if c.is_ascii_lowercase() {
            Class::Lower
        } else if c.is_ascii_digit() {
            Class::Digit
        } else {
            Class::Other
        }
    };
    let separator =
        |c: char| matches!(c, '_' | '-' | '.' | '/' | ':' | '#' | '|' | '@' | ',' | ' ');
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    let mut previous = None;
    while let Some((at, c)) = chars.next() {
        let before = previous.replace(c);
        if separator(c) {
            if start < at {
                out.push(&text[start..at]);
            }
            start = at + c.len_utf8();
            continue;
        }
        let Some(before) = before.filter(|_| start != at) else { continue };
        let (here, before) = (class(c), class(before));
        let next_lower = chars.peek().is_some_and(|&(_, n)| class(n) == Class::Lower);
        let boundary = match (before, here) {
            (Class::Lower, Class::Upper) => true,
            // `HTTPServer`: the last capital starts the next word
            (Class::Upper, Class::Upper) => next_lower,
            (a, b) => a != b && !(a == Class::Upper && b == Class::Lower),
        };
        if boundary {
            out.push(&text[start..at]);
            start = at;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn is_listed(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Only words naming the secret or filling a blank, with at most a few digits or symbols:
/// `secret`, `my-secret-token`, `Password123!`, `test1@secret`.
fn is_placeholder(text: &str) -> bool {
    let parts = segments(text);
    let words: Vec<&&str> =
        parts.iter().filter(|p| p.bytes().all(|b| b.is_ascii_alphabetic())).collect();
    let rest = text.bytes().filter(|b| !b.is_ascii_alphabetic()).count();
    // `[FILTERED]`, `[REDACTED]`: what a log or a test shows in place of the value
    let masked = text.len() > 2 && text.starts_with('[') && text.ends_with(']');
    masked
        || (!words.is_empty()
            && rest <= 6
            && words
                .iter()
                .all(|w| w.len() == 1 || is_listed(w, SECRET_WORDS) || is_listed(w, FILLER_WORDS)))
}

/// `mysql-password`, `ftp_password`: letters only, joined by `-` or `_`, one part naming the
/// secret and the others what it is for.
fn is_qualified_secret_name(text: &str) -> bool {
    let parts = segments(text);
    parts.len() >= 2
        && text.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
        && parts.iter().any(|w| w.len() >= 4 && is_listed(w, SECRET_WORDS))
}

/// Every segment is a word (pronounceable letters) or a number of one or two digits:
/// `action_dispatch.secret_key_base`, `AWS::S3::Bucket` reads as words, `subject_token_0`.
fn is_name(text: &str) -> bool {
    let parts = segments(text);
    let parts: Vec<&&str> =
        parts.iter().filter(|p| p.bytes().any(|b| b.is_ascii_alphanumeric())).collect();
    // most of it in words of three letters or more, not in the letters and digits a random
    // string falls apart into
    let alphanumeric: usize = parts.iter().map(|p| p.len()).sum();
    // `DO_NOT_LOG_THIS`: capitals joined by `_` are a constant's name, one capital run is not
    let shouting_snake =
        parts.len() >= 3 && text.contains('_') && !text.bytes().any(|b| b.is_ascii_lowercase());
    let in_words: usize = parts
        .iter()
        .filter(|p| {
            p.len() >= 3
                && (shouting_snake || p.bytes().any(|b| b.is_ascii_lowercase()))
                && is_word(p)
        })
        .map(|p| p.len())
        .sum();
    !parts.is_empty()
        && in_words * 2 >= alphanumeric
        && parts
            .iter()
            .all(|p| is_word(p) || (p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit())))
}

/// Letters that read as a word: a vowel, no five consonants in a row, and mostly letter pairs
/// that are common in English.
fn is_word(segment: &str) -> bool {
    if !segment.bytes().all(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    // an acronym: `AWS`, `HTTP`, `S3`'s `S`
    if segment.len() <= 4 && segment.bytes().all(|b| b.is_ascii_uppercase()) {
        return true;
    }
    let lower = segment.to_ascii_lowercase();
    if lower.len() == 1 || is_listed(&lower, SECRET_WORDS) || is_listed(&lower, FILLER_WORDS) {
        return true;
    }
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let bytes = lower.as_bytes();
    if !bytes.iter().copied().any(vowel) {
        return false;
    }
    let mut run = 0;
    for &b in bytes {
        run = if vowel(b) { 0 } else { run + 1 };
        if run >= 5 {
            return false;
        }
    }
    let pairs = bytes.len() - 1;
    let common = bytes.windows(2).filter(|pair| is_common_bigram(pair)).count();
    common * 2 >= pairs
}

/// [`COMMON_BIGRAMS`] as a table indexed by letter: the check runs for every letter pair of
/// every value classified, on hostile lines millions of times.
const COMMON_BIGRAM_TABLE: [[bool; 26]; 26] = {
    let text = COMMON_BIGRAMS.as_bytes();
    let mut table = [[false; 26]; 26];
    let mut i = 0;
    while i + 1 < text.len() {
        table[(text[i] - b'a') as usize][(text[i + 1] - b'a') as usize] = true;
        i += 3;
    }
    table
};

/// How many pairs [`COMMON_BIGRAMS`] lists.
const COMMON_BIGRAM_COUNT: usize = COMMON_BIGRAMS.len().div_ceil(3);

fn is_common_bigram(pair: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_alphabetic().then(|| (b.to_ascii_lowercase() - b'a') as usize);
    match (letter(pair[0]), letter(pair[1])) {
        (Some(a), Some(b)) => COMMON_BIGRAM_TABLE[a][b],
        _ => false,
    }
}

const _: () = assert!(WALKS.len() <= 8);

/// For each ordered pair of ASCII bytes, the [`WALKS`] rows (bit `2 * row`) and reversed rows
/// (bit `2 * row + 1`) in which the second follows the first. No row repeats a character, so
/// `a b c` is a run of a row exactly when `a b` and `b c` share a bit.
fn walk_steps() -> &'static [[u16; 128]; 128] {
    static STEPS: std::sync::OnceLock<Box<[[u16; 128]; 128]>> = std::sync::OnceLock::new();
    STEPS.get_or_init(|| {
        let mut steps = Box::new([[0u16; 128]; 128]);
        for (row, walk) in WALKS.iter().enumerate() {
            for pair in walk.windows(2) {
                let (a, b) = (usize::from(pair[0]), usize::from(pair[1]));
                steps[a][b] |= 1 << (2 * row);
                steps[b][a] |= 1 << (2 * row + 1);
            }
        }
        steps
    })
}

fn is_walk_run(run: &[u8]) -> bool {
    let steps = walk_steps();
    let step = |a: u8, b: u8| {
        if a.is_ascii() && b.is_ascii() { steps[usize::from(a)][usize::from(b)] } else { 0 }
    };
    step(run[0], run[1]) & step(run[1], run[2]) != 0
}

/// The share of `text` covered by runs of three or more consecutive characters of a
/// [`WALKS`] row, either way.
fn sequence_share(text: &str) -> f64 {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    if bytes.len() < 3 {
        return 0.0;
    }
    let (mut covered, mut covered_until) = (0, 0);
    for (i, window) in bytes.windows(3).enumerate() {
        if is_walk_run(window) {
            covered += i + 3 - covered_until.max(i);
            covered_until = i + 3;
        }
    }
    covered as f64 / bytes.len() as f64
}

/// How likely `value` is under the hypothesis that it was drawn at random from its alphabet:
/// the probability of seeing as few digits (base 62/64) or as lopsided a digit share (hex) and
/// as many common English letter pairs as it has. Words and names score far below random keys.
pub(crate) fn p_random(value: &[u8]) -> f64 {
    let n = value.len();
    if n < 8 {
        return 1.0;
    }
    let digits = value.iter().filter(|b| b.is_ascii_digit()).count();
    if value.iter().all(u8::is_ascii_hexdigit) {
        let p = 10.0 / 16.0;
        let tail = binomial_tail(n, digits, p, true).min(binomial_tail(n, digits, p, false));
        return (2.0 * tail).min(1.0);
    }
    // no digit at all: judge it as drawn from letters (words have none either, but their letter
    // pairs give them away below)
    let mut p = if digits == 0 { 1.0 } else { binomial_tail(n, digits, 10.0 / 62.0, true) };
    let pairs: Vec<&[u8]> =
        value.windows(2).filter(|w| w.iter().all(u8::is_ascii_alphabetic)).collect();
    if !pairs.is_empty() {
        let common = pairs.iter().filter(|pair| is_common_bigram(pair)).count();
        p *= binomial_tail(pairs.len(), common, COMMON_BIGRAM_COUNT as f64 / 676.0, false);
    }
    p
}

/// P(X <= k) (`lower`) or P(X >= k) for X ~ Binomial(n, p).
fn binomial_tail(n: usize, k: usize, p: f64, lower: bool) -> f64 {
    // ln(i!) for every i up to n, once: the sum below would otherwise be quadratic in n
    let ln_factorial: Vec<f64> = std::iter::once(0.0)
        .chain((1..=n).scan(0.0, |sum, i| {
            *sum += (i as f64).ln();
            Some(*sum)
        }))
        .collect();
    let range = if lower { 0..=k } else { k..=n };
    range
        .map(|i| {
            let ln_choose = ln_factorial[n] - ln_factorial[i] - ln_factorial[n - i];
            (ln_choose + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()
        })
        .sum::<f64>()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::TestRandom;

    fn kind(value: &str) -> ValueKind {
        classify(value.as_bytes())
    }

    #[test]
    fn bigram_and_walk_tables_hold_their_lists() {
        assert_eq!(COMMON_BIGRAM_COUNT, COMMON_BIGRAMS.split(' ').count());
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let listed =
                    COMMON_BIGRAMS.split(' ').any(|p| p.as_bytes().eq_ignore_ascii_case(&[a, b]));
                assert_eq!(is_common_bigram(&[a, b]), listed, "{a} {b}");
            }
        }
        let naive = |w: &[u8]| {
            let reversed = [w[2], w[1], w[0]];
            WALKS.iter().any(|row| row.windows(3).any(|r| r == w || r == reversed))
        };
        let alphabet: Vec<u8> = WALKS.iter().flat_map(|row| row.iter().copied()).collect();
        for &a in &alphabet {
            for &b in &alphabet {
                for &c in &alphabet {
                    assert_eq!(is_walk_run(&[a, b, c]), naive(&[a, b, c]), "{a} {b} {c}");
                }
            }
        }
        assert!(!is_walk_run("éab".as_bytes()));
        assert!(sequence_share("abc") == 1.0 && sequence_share("cba") == 1.0);
        assert_eq!(sequence_share("xqabcdq"), 4.0 / 7.0);
        assert_eq!(sequence_share("q1w2e3zz"), 6.0 / 8.0);
    }

    #[test]
    fn names_routes_and_references_are_not_credentials() {
        for value in [
            "action_dispatch.secret_key_base",
            "auth-request-type/at",
            "active_storage/disk#update",
            "AWS::S3::Bucket",
            "subject_token_0",
            "default/ca-secret",
            "DO_NOT_LOG_UNREACHABLE_ITEM",
        ] {
            assert_eq!(kind(value), ValueKind::Name, "{value}");
        }
        for value in [
            "${DB_PASSWORD}",
            "{{ vault_pw }}",
            "@ESXI1_PASSWORD",
            "urn:k8s:secret:a:b",
            "classpath:client.key",
            "$SECRET",
            "cr.Config.Password",
            "@env:AC_PASSWORD",
            "@keychain:AC_PASSWORD",
        ] {
            assert_eq!(kind(value), ValueKind::Reference, "{value}");
        }
    }

    #[test]
    fn placeholders_words_and_walks_are_not_credentials() {
        for value in [
            "my-secret-token",
            "Password123!",
            "P@ssw0rd",
            "s3cr3t",
            "random_secret",
            "secret",
            "9cbaf023786cd7...",
            "mysql-password",
            "other-mysql-password",
            "[FILTERED]",
        ] {
            assert_eq!(kind(value), ValueKind::Placeholder, "{value}");
        }
        for value in ["asdfqwer1234asdf", "AbcDef123!@#", "q1w2e3", "12345678"] {
            assert_eq!(kind(value), ValueKind::Sequence, "{value}");
        }
        for value in ["correct horse battery staple", "忘記密碼"] {
            assert_eq!(kind(value), ValueKind::Words, "{value}");
        }
        for value in ["swordfish", "postgres", "Goliath", "cassandra"] {
            assert!(!matches!(kind(value), ValueKind::Random | ValueKind::Chosen), "{value}");
        }
    }

    #[test]
    fn random_keys_of_every_alphabet_are_generated() {
        let mut random = TestRandom::new(13);
        for (alphabet, len) in [
            (TestRandom::ALNUM, 20),
            (TestRandom::ALNUM, 40),
            (TestRandom::HEX, 32),
            (TestRandom::HEX, 64),
            (TestRandom::BASE64, 24),
            (TestRandom::BASE64, 44),
        ] {
            for _ in 0..200 {
                let value = random.string(alphabet, len);
                assert_eq!(kind(&value), ValueKind::Random, "{value}");
            }
        }
    }

    #[test]
    fn a_typed_password_that_names_nothing_may_be_one() {
        assert_eq!(kind("Forge123"), ValueKind::Random);
        assert!(matches!(kind("mUc3m00RsqyRe"), ValueKind::Random | ValueKind::Chosen));
        assert_eq!(kind("pw"), ValueKind::Placeholder);
    }

    #[test]
    fn a_password_is_weak_when_a_word_and_none_when_a_name_or_words() {
        let judge = |value: &str| password_value(value.as_bytes());
        for value in
            ["banana", "welcome1", "P@ssw0rd", "abc123", "hunter2", "gorm", "S0meHardPassword"]
        {
            assert_eq!(judge(value), PasswordValue::Weak, "{value}");
        }
        for value in [
            "users.password_reset",
            "reset_password.html",
            "mysql-password",
            "encodedPassword",
            "mysite.forms.MyCustomSetPasswordForm",
            "Forgot your password?",
            "\u{5fd8}\u{8a18}\u{5bc6}\u{78bc}",
            "${DB_PASSWORD}",
            "string",
            "required|confirmed",
            "password",
            "--password",
            "#{password}",
            "[FILTERED]",
            "********",
        ] {
            assert_eq!(judge(value), PasswordValue::NotOne, "{value}");
        }
        let random = TestRandom::new(21).string(TestRandom::ALNUM, 12);
        assert_eq!(judge(&random), PasswordValue::Strong, "{random}");
        assert_eq!(judge("Forge123"), PasswordValue::Strong);
    }

    #[test]
    fn sample_passwords_are_weak_and_other_filler_words_name_the_field() {
        let judge = |value: &str| password_value(value.as_bytes());
        for value in ["secret", "admin", "root", "guest", "Test", "hello"] {
            assert_eq!(judge(value), PasswordValue::Weak, "{value}");
        }
        for value in ["default", "random", "username", "password", "token", "function", "always"] {
            assert_eq!(judge(value), PasswordValue::NotOne, "{value}");
        }
    }

    #[test]
    fn a_symbol_outside_ascii_is_part_of_a_password_and_a_foreign_script_is_words() {
        let judge = |value: &str| password_value(value.as_bytes());
        let mut random = TestRandom::new(34);
        for symbol in ['\u{a7}', '\u{a3}', '\u{e9}', '\u{20ac}'] {
            for _ in 0..50 {
                let key = random.string(TestRandom::BASE64, 14);
                let with_symbol = format!("{}{symbol}{}", &key[..7], &key[7..]);
                assert_eq!(judge(&with_symbol), PasswordValue::Strong, "{with_symbol}");
            }
        }
        assert_eq!(judge("Contrase\u{f1}a"), PasswordValue::Weak);
        for value in
            ["\u{41f}\u{430}\u{440}\u{43e}\u{43b}\u{44c}", "s\u{259}cr\u{259}t", "\u{30d1}\u{30b9}"]
        {
            assert_eq!(judge(value), PasswordValue::NotOne, "{value}");
        }
    }

    #[test]
    fn segments_split_at_separators_and_case() {
        assert_eq!(
            segments("actionDispatch.secret_key2"),
            ["action", "Dispatch", "secret", "key", "2"]
        );
        assert_eq!(segments("HTTPServer"), ["HTTP", "Server"]);
    }
}
