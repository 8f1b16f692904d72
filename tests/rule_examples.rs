//! Every built-in rule's examples: each positive is found by its rule, no negative by any.

use keyhound::{
    classify::ValueFilter, engine::Engine, pipeline::Pipeline, rule_check::check_examples, rules,
};

#[test]
fn every_builtin_rule_passes_its_examples() {
    let rules = rules::builtin_rules().expect("built-in rules load");
    rules::check_unique_ids(&rules).expect("unique ids");
    let engine = Engine::new(rules, ValueFilter::standard()).expect("built-in rules compile");
    let failures = check_examples(&Pipeline::builtin(engine), None);
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(report.is_empty(), "{} example failure(s):\n{}", report.len(), report.join("\n"));
}

#[test]
fn builtin_rules_have_no_lints_and_complete_metadata() {
    let rules = rules::builtin_rules().unwrap();
    let engine = Engine::new(rules, ValueFilter::standard()).unwrap();
    let lints: Vec<String> = engine.lints().iter().map(ToString::to_string).collect();
    assert!(lints.is_empty(), "{}", lints.join("\n"));
    for rule in engine.rules() {
        let id_ok =
            rule.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(id_ok, "rule id `{}` is not kebab-case", rule.id);
        let advice = &rule.rotation;
        for (field, text) in
            [("revoke", &advice.revoke), ("reissue", &advice.reissue), ("verify", &advice.verify)]
        {
            assert!(text.len() >= 20, "{}: rotation.{field} is too thin", rule.id);
        }
        assert!(advice.docs.starts_with("https://"), "{}: rotation.docs is not a URL", rule.id);
        assert!(!rule.negative.is_empty() || rule.generic, "{}: no negative example", rule.id);
    }
}
