//! The engine's matches inside encoded spans: each base64 or hex run that decodes to text
//! ([`crate::decode`]) is scanned by the same engine, and so is each run inside that text, down
//! to [`decode::MAX_DEPTH`] layers. A match is placed at the outermost run, which is what the
//! file holds and where a reader can find it.

use std::ops::Range;

use crate::{
    checks,
    classify::Demotion,
    decode,
    engine::{self, Match},
    model::{Encoding, RuleIndex},
};

/// An engine match inside decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DecodedMatch {
    pub(crate) rule: RuleIndex,
    /// The outermost encoded run, in the scanned content.
    pub(crate) encoded: Range<usize>,
    /// The decoded secret.
    pub(crate) secret: Vec<u8>,
    /// Encodings taken off, outermost first.
    pub(crate) layers: Vec<Encoding>,
    pub(crate) demotion: Option<Demotion>,
}

impl DecodedMatch {
    /// As an engine match of the encoded run, for the steps that read matches (suppression).
    pub(crate) fn at_encoded_run(&self) -> Match {
        let Range { start, end } = self.encoded;
        Match {
            rule: self.rule,
            secret_start: start,
            secret_end: end,
            match_start: start,
            match_end: end,
            demotion: self.demotion,
        }
    }
}

/// Every match the engine finds in the decoded runs of `content`.
pub(super) fn matches(matcher: &mut engine::Scanner<'_>, content: &[u8]) -> Vec<DecodedMatch> {
    let mut found = Vec::new();
    for run in decode::runs(content) {
        let Some(text) = decode::decode_text(&content[run.range.clone()], run.encoding) else {
            continue;
        };
        descend(matcher, &text, &run.range, &mut vec![run.encoding], &mut found);
    }
    found
}

fn descend(
    matcher: &mut engine::Scanner<'_>,
    text: &[u8],
    encoded: &Range<usize>,
    layers: &mut Vec<Encoding>,
    found: &mut Vec<DecodedMatch>,
) {
    let engine = matcher.engine();
    for m in matcher.scan(text) {
        if checks::is_trigger(engine.rule(m.rule)) {
            continue;
        }
        found.push(DecodedMatch {
            rule: m.rule,
            encoded: encoded.clone(),
            secret: text[m.secret_start..m.secret_end].to_vec(),
            layers: layers.clone(),
            demotion: m.demotion,
        });
    }
    if layers.len() >= decode::MAX_DEPTH {
        return;
    }
    for run in decode::runs(text) {
        if let Some(inner) = decode::decode_text(&text[run.range.clone()], run.encoding) {
            layers.push(run.encoding);
            descend(matcher, &inner, encoded, layers, found);
            layers.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use base64::Engine as _;

    use crate::{
        classify::ValueFilter, engine::Engine, fake::FakeGen, finding::Finding, model::Tracking,
        pipeline::Pipeline, rules::builtin_rules,
    };

    fn pipeline() -> &'static Pipeline {
        static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
        PIPELINE.get_or_init(|| {
            Pipeline::builtin(
                Engine::new(builtin_rules().unwrap(), ValueFilter::standard()).unwrap(),
            )
        })
    }

    fn scan(path: &str, content: &str) -> Vec<Finding> {
        pipeline().scanner().scan(path, content.as_bytes(), Tracking::NoRepository)
    }

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    #[test]
    fn a_pem_key_in_a_kubernetes_secret_is_found_at_its_encoded_value() {
        let key = FakeGen::new(5).pem_private_key("RSA PRIVATE KEY");
        let encoded = b64(&key);
        let manifest = format!(
            "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {encoded}\n",
            b64("not a key")
        );
        let findings = scan("secret.yaml", &manifest);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.rule.id, "private-key-rsa");
        assert_eq!((finding.span.line, finding.span.column), (6, 12));
        assert_eq!(finding.secret, key.trim_end());
        let encoded_info = finding.encoded.as_ref().unwrap();
        assert_eq!(
            (encoded_info.label(), encoded_info.text.as_str()),
            ("base64".into(), encoded.as_str())
        );
        assert!(!finding.snippet.contains(&encoded[4..24]), "{}", finding.snippet);
    }

    #[test]
    fn base64_inside_base64_and_hex_are_decoded_too() {
        let token = FakeGen::new(6).crc32_token("ghp_");
        let twice = b64(&format!("GITHUB_TOKEN={}", b64(&format!("token: {token}"))));
        let hex: String = format!("token={token}").bytes().map(|b| format!("{b:02x}")).collect();
        let findings = scan("notes.txt", &format!("a {twice}\nb {hex}\n"));
        let seen: Vec<(usize, String, &str)> = findings
            .iter()
            .map(|f| (f.span.line, f.encoded.as_ref().unwrap().label(), f.secret.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![(1, "base64+base64".into(), token.as_str()), (2, "hex".into(), token.as_str())]
        );
    }

    #[test]
    fn encoded_placeholders_binary_and_allowed_lines_are_no_findings() {
        let placeholder =
            b64("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n");
        let token = FakeGen::new(7).crc32_token("ghp_");
        let allowed = format!("x: {} # keyhound:allow\n", b64(&format!("token = {token}")));
        let binary = base64::engine::general_purpose::STANDARD.encode([0xffu8, 0, 1, 2].repeat(30));
        for content in [format!("k: {placeholder}\n"), allowed, format!("png: {binary}\n")] {
            assert!(scan("a.yaml", &content).is_empty(), "{content}");
        }
    }

    #[test]
    fn history_s_prefilter_sees_decoded_matches() {
        let token = FakeGen::new(8).crc32_token("ghp_");
        let content = format!("blob: {}\n", b64(&format!("token = {token}")));
        assert!(!pipeline().scanner().matches(content.as_bytes()).is_empty());
    }
}
