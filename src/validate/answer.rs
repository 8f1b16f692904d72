//! Reading a provider's answer: the status code first, the provider's own words where it
//! has them (Slack's `"ok":false`, Google's `API_KEY_INVALID`).

use super::{Status, Validation, catalog::AnswerSpec};

/// What one HTTP exchange produced: a status and the start of the body, or why none came.
pub(crate) enum Reply {
    Answer { status: u16, body: String },
    Failed(Failure),
}

/// Why no answer came. Never carries the URL or the underlying error's text: the URL may
/// hold the secret (Telegram puts it in the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Timeout,
    /// DNS failure, refused or unreachable: nothing on the network answered.
    Unreachable,
    Tls,
    Other,
}

pub(crate) fn read(spec: &AnswerSpec, reply: &Reply, timeout_secs: f64) -> Validation {
    match reply {
        Reply::Failed(failure) => Validation::unknown(match failure {
            Failure::Timeout => format!("no answer within {timeout_secs} s"),
            Failure::Unreachable => "network unreachable".to_string(),
            Failure::Tls => "TLS handshake failed".to_string(),
            Failure::Other => "the request failed".to_string(),
        }),
        Reply::Answer { status, body } => read_answer(spec, *status, body),
    }
}

fn read_answer(spec: &AnswerSpec, status: u16, body: &str) -> Validation {
    let found = |markers: &[String]| markers.iter().find(|m| body.contains(m.as_str())).cloned();
    let (status_kind, detail) = if let Some(marker) = found(&spec.invalid_body) {
        (Status::Invalid, format!("not accepted: the provider answered `{marker}`"))
    } else if let Some(marker) = found(&spec.limited_body) {
        (
            Status::LiveLimited,
            format!("accepted but not permitted: the provider answered `{marker}`"),
        )
    } else if status == 401 || spec.invalid_status.contains(&status) {
        (Status::Invalid, "not accepted: the key is wrong, expired or revoked".to_string())
    } else if status == 403 {
        (Status::LiveLimited, "accepted but lacks the permission for this call".to_string())
    } else if (200..300).contains(&status) {
        match &spec.ok_body {
            Some(ok) if !body.contains(ok.as_str()) => {
                (Status::Unknown, "unexpected answer from the provider".to_string())
            }
            _ => (Status::Live, "the provider accepted the key".to_string()),
        }
    } else if status == 429 {
        (Status::Unknown, "rate limited by the provider; try again later".to_string())
    } else if status >= 500 {
        (Status::Unknown, "the provider had an error; try again later".to_string())
    } else {
        (Status::Unknown, "unexpected answer from the provider".to_string())
    };
    Validation { status: status_kind, http_status: Some(status), detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Reply {
        Reply::Answer { status, body: body.into() }
    }

    #[test]
    fn status_codes_map_to_statuses() {
        let spec = AnswerSpec::default();
        let status = |code| read(&spec, &answer(code, ""), 5.0).status;
        assert_eq!(status(200), Status::Live);
        assert_eq!(status(204), Status::Live);
        assert_eq!(status(401), Status::Invalid);
        assert_eq!(status(403), Status::LiveLimited);
        for code in [301, 404, 429, 500, 503] {
            assert_eq!(status(code), Status::Unknown, "{code}");
        }
        let v = read(&spec, &answer(429, ""), 5.0);
        assert_eq!(v.http_status, Some(429));
    }

    #[test]
    fn provider_words_override_the_status() {
        let spec = AnswerSpec {
            invalid_status: vec![404],
            ok_body: Some(r#""ok":true"#.into()),
            invalid_body: vec!["token_revoked".into()],
            limited_body: vec!["missing_scope".into()],
        };
        let status = |code, body| read(&spec, &answer(code, body), 5.0).status;
        assert_eq!(status(200, r#"{"ok":true}"#), Status::Live);
        assert_eq!(status(200, r#"{"ok":false,"error":"token_revoked"}"#), Status::Invalid);
        assert_eq!(status(200, r#"{"ok":false,"error":"missing_scope"}"#), Status::LiveLimited);
        assert_eq!(status(200, r#"{"ok":false,"error":"ratelimited"}"#), Status::Unknown);
        assert_eq!(status(404, ""), Status::Invalid);
    }

    #[test]
    fn failures_are_unknown() {
        let v = read(&AnswerSpec::default(), &Reply::Failed(Failure::Timeout), 5.0);
        assert_eq!((v.status, v.http_status), (Status::Unknown, None));
        assert!(v.detail.contains("5 s"), "{}", v.detail);
    }
}
