use super::*;
use crate::rules::parse_rules_file;

const RULES: &str = r#"
provider = "Test"
[rotation]
revoke = "r"
reissue = "i"
verify = "v"
docs = "d"

[[rules]]
id = "test-prefix"
name = "prefix"
severity = "high"
regex = '''\b(?P<secret>tok_[a-z0-9]{12})\b'''

[[rules]]
id = "test-context"
name = "context"
severity = "high"
regex = '''(?i)[a-z_]{0,10}acmecorp[\w.-]{0,20}\s*=\s*"(?P<secret>[0-9a-f]{16})"'''
keywords = ["acmecorp"]

[[rules]]
id = "test-generic"
name = "generic"
severity = "medium"
generic = true
regex = '''(?i)secret\w{0,10}\s{0,3}=\s{0,3}"(?P<secret>[A-Za-z0-9_]{8,64})"'''
keywords = ["secret"]
entropy = 3.0
"#;

fn engine() -> Engine {
    Engine::new(parse_rules_file("test.toml", RULES).unwrap(), ValueFilter::standard()).unwrap()
}

fn ids(engine: &Engine, text: &str) -> Vec<String> {
    engine.scanner().scan(text.as_bytes()).iter().map(|m| engine.rule(m.rule).id.clone()).collect()
}

#[test]
fn prefix_rule_matches_anchored_at_the_literal() {
    let e = engine();
    let text = "x = 'tok_a1b2c3d4e5f6' and TOK_A1B2C3D4E5F6";
    let matches = e.scanner().scan(text.as_bytes());
    assert_eq!(matches.len(), 1, "the regex is case-sensitive even if the pass is not");
    assert_eq!(&text[matches[0].secret_start..matches[0].secret_end], "tok_a1b2c3d4e5f6");
}

#[test]
fn word_boundaries_see_outside_the_confirmation_range() {
    let e = engine();
    assert!(ids(&e, "xtok_a1b2c3d4e5f6").is_empty());
    assert!(ids(&e, "tok_a1b2c3d4e5f6g").is_empty());
}

#[test]
fn context_rule_confirms_on_the_keyword_line_only() {
    let e = engine();
    assert_eq!(ids(&e, "ACMECORP_KEY = \"0a1b2c3d4e5f6a7b\"\n"), vec!["test-context"]);
    assert!(ids(&e, "acmecorp\nkey = \"0a1b2c3d4e5f6a7b\"\n").is_empty());
}

#[test]
fn two_keywords_on_one_line_give_one_match() {
    let e = engine();
    let text = "acmecorp_acmecorp = \"0a1b2c3d4e5f6a7b\"";
    assert_eq!(ids(&e, text), vec!["test-context"]);
}

#[test]
fn generic_rule_yields_to_provider_rules_even_rejected_ones() {
    let e = engine();
    assert_eq!(ids(&e, "secret_key = \"Zx9qL2mT7vB4nK8w\""), vec!["test-generic"]);
    assert_eq!(ids(&e, "secret = \"tok_a1b2c3d4e5f6\""), vec!["test-prefix"]);
    assert!(ids(&e, "secret = \"tok_xxxxxxxxxxxx\"").is_empty());
}

#[test]
fn placeholders_and_low_entropy_are_dropped() {
    let e = engine();
    assert!(ids(&e, "secret = \"aaaaaaaaaaaa\"").is_empty());
    assert!(ids(&e, "secret = \"your_secret_here\"").is_empty());
}

#[test]
fn matching_works_on_invalid_utf8() {
    let e = engine();
    let mut bytes = b"\xff\xfe caf\xe9 ".to_vec();
    bytes.extend_from_slice(b"tok_a1b2c3d4e5f6 \xff");
    assert_eq!(e.scanner().scan(&bytes).len(), 1);
}

#[test]
fn rule_without_prefix_or_keywords_is_an_error_naming_the_regex_line() {
    let text = RULES.replace("keywords = [\"acmecorp\"]\n", "");
    let err = Engine::new(parse_rules_file("test.toml", &text).unwrap(), ValueFilter::standard())
        .unwrap_err();
    assert_eq!(err.line, 19, "{err}");
    assert!(err.message.contains("keywords"), "{err}");
}

#[test]
fn invalid_regex_is_an_error_naming_the_regex_line() {
    let text = RULES.replace("tok_[a-z0-9]{12}", "tok_[a-z0-9{12}");
    let err = Engine::new(parse_rules_file("test.toml", &text).unwrap(), ValueFilter::standard())
        .unwrap_err();
    assert_eq!((err.file.as_str(), err.line), ("test.toml", 13), "{err}");
}

#[test]
fn short_keywords_are_linted() {
    let text = RULES.replace("keywords = [\"acmecorp\"]", "keywords = [\"acmecorp\", \"key\"]");
    let e = Engine::new(parse_rules_file("test.toml", &text).unwrap(), ValueFilter::standard())
        .unwrap();
    assert_eq!(e.lints().len(), 1, "{:?}", e.lints());
    assert!(e.lints()[0].message.contains("`key`"));
}

#[test]
fn regexes_are_built_on_their_rules_first_hit_only() {
    let e = engine();
    assert_eq!(e.built_regexes(), 0);
    let mut scanner = e.scanner();
    assert!(scanner.scan(b"nothing to see here").is_empty());
    assert_eq!(e.built_regexes(), 0);
    assert_eq!(scanner.scan(b"x = tok_a1b2c3d4e5f6").len(), 1);
    assert_eq!(e.built_regexes(), 1);
    // Another scanner shares the built regex and finds the same.
    assert_eq!(e.scanner().scan(b"tok_a1b2c3d4e5f6").len(), 1);
    assert_eq!(e.built_regexes(), 1);
}

#[test]
fn secret_groups_are_numbered_as_the_built_regex_numbers_them() {
    for pattern in [
        r"(?P<secret>a)",
        r"(b)(?:c)(?P<secret>a)",
        r"((x)|(?P<secret>y))z",
        r"(?:(q){1,3}(?P<other>r))+(?P<secret>s)",
        r"no groups",
    ] {
        let built = build_regex(pattern).unwrap();
        let expected = built.group_info().to_index(regex_automata::PatternID::ZERO, "secret");
        assert_eq!(analysis::analyse(pattern).unwrap().secret_group, expected, "{pattern}");
    }
    for rule in crate::rules::builtin_rules().unwrap() {
        if rule.regex.is_empty() {
            continue;
        }
        let built = build_regex(&rule.regex).unwrap();
        let expected = built.group_info().to_index(regex_automata::PatternID::ZERO, "secret");
        assert_eq!(analysed(&rule.regex).unwrap().secret_group, expected, "{}", rule.id);
    }
}

/// What `build.rs` wrote for each built-in rule is what analysing it now gives, and every
/// built-in regex was analysed there.
#[test]
fn built_analyses_are_the_analyses_made_at_load() {
    let rules = crate::rules::builtin_rules().unwrap();
    let patterns: std::collections::BTreeSet<&str> =
        rules.iter().map(|r| r.regex.as_str()).filter(|p| !p.is_empty()).collect();
    assert_eq!(built::BUILT_ANALYSES.len(), patterns.len());
    for (pattern, built) in built::BUILT_ANALYSES {
        assert!(patterns.contains(pattern), "{pattern}");
        assert_eq!(built.to_analysis(), analysis::analyse(pattern).unwrap(), "{pattern}");
    }
    assert!(built::BUILT_ANALYSES.windows(2).all(|w| w[0].0 < w[1].0), "sorted, no duplicates");
    assert!(analysed("unseen_[a-z]{8}").is_ok(), "other patterns are analysed at load");
}

#[test]
fn line_start_rules_match_on_any_line_and_only_at_its_start() {
    let text = RULES.replace(
        r#"regex = '''(?i)[a-z_]{0,10}acmecorp[\w.-]{0,20}\s*=\s*"(?P<secret>[0-9a-f]{16})"'''"#,
        r#"regex = '''(?m)^[ \t]{0,4}acmecorp_key=(?P<secret>[0-9a-f]{16})$'''"#,
    );
    let e = Engine::new(parse_rules_file("test.toml", &text).unwrap(), ValueFilter::standard())
        .unwrap();
    let value = "3f9a0c4e7b1d2a68";
    let found = |text: &str| ids(&e, text).contains(&"test-context".to_string());
    assert!(found(&format!("a = 1\n  acmecorp_key={value}\nb = 2\n")));
    assert!(found(&format!("acmecorp_key={value}")));
    assert!(!found(&format!("x  acmecorp_key={value}\n")));
    assert!(!found(&format!("a = 1\r  acmecorp_key={value}\n")));
}

#[test]
fn a_typed_run_demotes_a_provider_match_and_rejects_a_generic_one() {
    let e = engine();
    let demotions = |text: &str| -> Vec<(String, Option<Demotion>)> {
        e.scanner()
            .scan(text.as_bytes())
            .iter()
            .map(|m| (e.rule(m.rule).id.clone(), m.demotion))
            .collect()
    };
    let typed = Some(Demotion::TypedRun);
    assert_eq!(demotions("tok_x12345678abc"), [("test-prefix".to_string(), typed)]);
    assert_eq!(demotions("acmecorp_key = \"9f3e2d1c87654321\""), [("test-context".into(), typed)]);
    assert_eq!(demotions("tok_q7x2m9k4p1z8"), [("test-prefix".to_string(), None)]);
    // a true placeholder is still dropped, and a generic value has no format to vouch for it
    assert!(demotions("tok_xxxxxxxxxxxx").is_empty());
    assert!(demotions("secret = \"Qz8mK2vx12345678\"").is_empty());
}

#[test]
fn a_failed_checksum_demotes_a_well_formed_token_and_rejects_a_made_up_one() {
    let text = RULES.replace(
        "[[rules]]\nid = \"test-context\"",
        "[[rules]]\nid = \"test-crc\"\nname = \"crc\"\nseverity = \"high\"\n\
         regex = '''\\b(?P<secret>ghp_[A-Za-z0-9]{36})\\b'''\nchecksum = \"github-crc32\"\n\n\
         [[rules]]\nid = \"test-context\"",
    );
    let e = Engine::new(parse_rules_file("test.toml", &text).unwrap(), ValueFilter::standard())
        .unwrap();
    let demotions = |text: &str| -> Vec<Option<Demotion>> {
        e.scanner().scan(text.as_bytes()).iter().map(|m| m.demotion).collect()
    };
    let token = crate::fake::FakeGen::new(11).crc32_token("ghp_");
    assert_eq!(demotions(&token), [None]);
    let last = token.chars().last().unwrap();
    let broken = format!("{}{}", &token[..token.len() - 1], if last == 'A' { 'B' } else { 'A' });
    assert_eq!(demotions(&broken), [Some(Demotion::ChecksumFails)]);
    let made_up = format!("ghp_abcdefgh{}", &broken[12..]);
    assert!(demotions(&made_up).is_empty(), "a typed run and a bad checksum: made up");
}
