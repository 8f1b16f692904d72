use super::*;

const RULE: &str = r#"
[[rules]]
id = "acme-key"
name = "Acme key"
provider = "Acme"
severity = "high"
regex = '''\b(?P<secret>acme_[a-z0-9]{16})\b'''
positive = ['k = "acme_{{lower:16}}"']
negative = ["acme_xxxxxxxxxxxxxxxx"]
[rules.rotation]
revoke = "r"
reissue = "i"
verify = "v"
docs = "https://acme.invalid"
"#;

fn ids(rules: &[Rule]) -> Vec<&str> {
    rules.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn defaults_without_a_file() {
    let config = Config::parse("keyhound.toml", "").unwrap();
    assert!(config.builtin_suppression);
    assert_eq!(config.format, None);
    assert_eq!(
        config.rules().unwrap().len(),
        rules::builtin_rules().unwrap().len(),
        "all built-in rules run"
    );
}

#[test]
fn reads_every_setting() {
    let text = r#"
format = "json"
max_key_age_days = 30
builtin_suppression = false
generic_entropy = 4.25
placeholder_words = ["AcmeTest"]
disable = ["github-refresh-token"]
[allow]
paths = ["docs/**"]
"#;
    let config = Config::parse("k.toml", text).unwrap();
    assert_eq!(config.format, Some(Format::Json));
    assert_eq!(config.max_key_age_days, Some(30));
    assert!(!config.builtin_suppression);
    assert_eq!(config.generic_entropy, Some(4.25));
    assert_eq!(config.allow_paths, vec![(9, "docs/**".to_string())]);
    assert!(config.value_filter().is_placeholder(b"acmetest_1", b"acmetest_1"));
    assert!(!ids(&config.rules().unwrap()).contains(&"github-refresh-token"));
}

#[test]
fn custom_rules_join_the_builtin_ones_and_enable_only_narrows() {
    let config = Config::parse("k.toml", RULE).unwrap();
    assert!(ids(&config.rules().unwrap()).contains(&"acme-key"));
    let only = format!("enable_only = [\"acme-key\", \"github-classic-pat\"]\n{RULE}");
    let config = Config::parse("k.toml", &only).unwrap();
    assert_eq!(ids(&config.rules().unwrap()), vec!["github-classic-pat", "acme-key"]);
}

#[test]
fn generic_entropy_applies_to_generic_rules_only() {
    let generic = RULE.replace("severity = \"high\"", "severity = \"high\"\ngeneric = true");
    let config = Config::parse("k.toml", &format!("generic_entropy = 2.5\n{generic}")).unwrap();
    let rules = config.rules().unwrap();
    let acme = rules.iter().find(|r| r.id == "acme-key").unwrap();
    assert_eq!(acme.entropy, Some(2.5));
    assert!(rules.iter().filter(|r| !r.generic).all(|r| r.entropy != Some(2.5)));
}

#[test]
fn errors_name_the_file_and_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("format = \"json\"\ndisable = [\n  \"no-such-rule\",\n]\n", 3, "no-such-rule"),
        ("enable_only = [\"nope\"]\n", 1, "nope"),
        ("\n\nfromat = \"json\"\n", 3, "fromat"),
        ("format = \"xml\"\n", 1, "xml"),
        ("generic_entropy = 11.0\n", 1, "out of range"),
        ("max_key_age_days = \"soon\"\n", 1, "expected u32"),
        ("[allow]\npaths = \"docs\"\n", 2, "sequence"),
        ("disable = [\"a\"\n", 1, ""),
    ];
    for (text, line, needle) in cases {
        let err = Config::parse("keyhound.toml", text).and_then(|c| c.rules().map(|_| c));
        let err = err.expect_err(text);
        assert_eq!((err.file.as_str(), err.line), ("keyhound.toml", *line), "{err} for {text:?}");
        assert!(err.to_string().contains(needle), "{err} should mention {needle}");
    }
}

#[test]
fn a_custom_rule_with_failing_examples_is_an_error_at_its_line() {
    let bad = RULE.replace("acme_{{lower:16}}", "acme_{{lower:15}}");
    let config = Config::parse("k.toml", &format!("# custom\n{bad}")).unwrap();
    let err = config.rules().unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("acme-key") && err.message.contains("not found"), "{err}");
    let regex = RULE.replace("[a-z0-9]{16}", "[a-z0-9{16}");
    let err = Config::parse("k.toml", &regex).unwrap().rules().unwrap_err();
    assert_eq!(err.line, 7, "the regex line: {err}");
}

#[test]
fn a_custom_rule_may_not_reuse_a_builtin_id() {
    let clash = RULE.replace("id = \"acme-key\"", "id = \"github-classic-pat\"");
    let err = Config::parse("k.toml", &clash).unwrap().rules().unwrap_err();
    assert!(err.message.contains("duplicate rule id"), "{err}");
}

#[test]
fn the_starter_configuration_parses_and_its_commented_rule_works() {
    let config = Config::parse("keyhound.toml", STARTER_CONFIG).unwrap();
    assert!(config.builtin_suppression);
    config.rules().unwrap();
    let (head, rule) = STARTER_CONFIG.split_once("# [[rules]]").unwrap();
    let uncommented: String = format!("# [[rules]]{rule}")
        .lines()
        .map(|line| line.strip_prefix("# ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::parse("keyhound.toml", &format!("{head}{uncommented}")).unwrap();
    assert!(ids(&config.rules().unwrap()).contains(&"acme-api-key"));
}
