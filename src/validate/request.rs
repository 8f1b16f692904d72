//! A validator's templates filled in: the one request keyhound sends, with the rules that
//! keep it safe (HTTPS only, no host from scanned content, the secret never in an error).

use std::net::IpAddr;

use base64::Engine as _;

use super::catalog::{Method, RequestSpec};

/// A request ready to send. `Debug` is deliberately not derived: it holds the secret.
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

/// The values a template may name.
#[derive(Default)]
pub(crate) struct Values<'a> {
    pub(crate) secret: &'a str,
    pub(crate) pair: Option<&'a str>,
    pub(crate) variables: Vec<(&'a str, String)>,
}

impl Values<'_> {
    fn fill(&self, template: &str, escape_json: bool) -> Result<String, String> {
        let mut out = String::with_capacity(template.len() + self.secret.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let value = match name_len {
                Some(len) if len > 0 && after[len..].starts_with('}') => {
                    let name = &after[..len];
                    rest = &after[len + 1..];
                    Some(self.value(name).ok_or_else(|| format!("no value for `{{{name}}}`"))?)
                }
                _ => None,
            };
            match value {
                Some(value) if escape_json => out.push_str(&json_escape(value)),
                Some(value) => out.push_str(value),
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn value(&self, name: &str) -> Option<&str> {
        match name {
            "secret" => Some(self.secret),
            "pair" => self.pair,
            _ => self.variables.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()),
        }
    }
}

fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_string()
}

/// Fills `spec` in. `base` replaces the scheme, host and leading path of the URL
/// (`--validator-url`).
pub(crate) fn prepare(
    spec: &RequestSpec,
    values: &Values,
    base: Option<&str>,
) -> Result<Prepared, String> {
    let url = values.fill(&spec.url, false)?;
    let url = match base {
        Some(base) => rebase(&url, base)?,
        None => url,
    };
    check_url(&url)?;
    let mut headers = Vec::with_capacity(spec.headers.len() + 1);
    for template in &spec.headers {
        let (name, value) = template
            .split_once(':')
            .ok_or_else(|| format!("header template `{template}` has no `:`"))?;
        headers.push((name.trim().to_string(), values.fill(value.trim(), false)?));
    }
    if let Some(basic) = &spec.basic_auth {
        let credentials = values.fill(basic, false)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        headers.push(("Authorization".to_string(), format!("Basic {encoded}")));
    }
    let json =
        headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.contains("json"));
    let body =
        spec.body.as_deref().map(|b| values.fill(b, json)).transpose()?.map(String::into_bytes);
    Ok(Prepared { method: spec.method, url, headers, body })
}

/// `https://api.github.com/user` on `https://ghe.example.com/api/v3` →
/// `https://ghe.example.com/api/v3/user`.
fn rebase(url: &str, base: &str) -> Result<String, String> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    Ok(format!("{}{}", base.trim_end_matches('/'), path))
}

/// HTTPS, or plain HTTP to a loopback address (tests, local mocks).
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| "not a valid URL".to_string())?;
    let host = uri.host().ok_or("the URL has no host")?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("the URL must not hold credentials".into());
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback(host) => Ok(()),
        Some("http") => {
            Err(format!("plain http:// is allowed only for loopback addresses, not {host}"))
        }
        _ => Err("the URL must start with https://".into()),
    }
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of a prepared URL, for rate limits and the unreachable-host memory.
pub(crate) fn host_of(url: &str) -> String {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.as_str().to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str, headers: &[&str]) -> RequestSpec {
        RequestSpec {
            method: Method::Get,
            url: url.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            basic_auth: None,
            body: None,
        }
    }

    #[test]
    fn fills_secret_and_variables_and_keeps_other_braces() {
        let values = Values {
            secret: "tok",
            pair: Some("id"),
            variables: vec![("shop", "a.myshopify.com".into())],
        };
        let mut s = spec("https://{shop}/x", &["Authorization: Bearer {secret}", "X-Id: {pair}"]);
        s.body = Some(r#"{"query":"{ viewer { id } }","k":"{secret}"}"#.into());
        let p = prepare(&s, &values, None).unwrap();
        assert_eq!(p.url, "https://a.myshopify.com/x");
        assert_eq!(p.headers[0], ("Authorization".into(), "Bearer tok".into()));
        assert_eq!(p.headers[1].1, "id");
        assert_eq!(p.body.unwrap(), br#"{"query":"{ viewer { id } }","k":"tok"}"#);
    }

    #[test]
    fn json_bodies_escape_the_value() {
        let values = Values { secret: "a\"b", ..Values::default() };
        let mut s = spec("https://x.test/", &["Content-Type: application/json"]);
        s.body = Some(r#"{"c":["{secret}"]}"#.into());
        assert_eq!(prepare(&s, &values, None).unwrap().body.unwrap(), br#"{"c":["a\"b"]}"#);
    }

    #[test]
    fn basic_auth_is_base64() {
        let mut s = spec("https://x.test/", &[]);
        s.basic_auth = Some("api:{secret}".into());
        let p = prepare(&s, &Values { secret: "k", ..Values::default() }, None).unwrap();
        assert_eq!(p.headers[0].1, "Basic YXBpOms=");
    }

    #[test]
    fn a_base_replaces_scheme_and_host() {
        let s = spec("https://api.github.com/user?x=1", &[]);
        let p = prepare(&s, &Values::default(), Some("https://ghe.example.com/api/v3/")).unwrap();
        assert_eq!(p.url, "https://ghe.example.com/api/v3/user?x=1");
        let p = prepare(&s, &Values::default(), Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(p.url, "http://127.0.0.1:8080/user?x=1");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://api.github.com/user").is_ok());
        assert!(check_url("http://127.0.0.1:9/x").is_ok());
        assert!(check_url("http://[::1]:9/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://example.com/x").unwrap_err().contains("loopback"));
        assert!(check_url("ftp://example.com/x").is_err());
        assert!(check_url("https://user:pw@example.com/").is_err());
    }

    #[test]
    fn a_missing_value_is_an_error_without_the_secret() {
        let err = prepare(
            &spec("https://{shop}/", &[]),
            &Values { secret: "tok", ..Values::default() },
            None,
        )
        .err()
        .unwrap();
        assert!(err.contains("shop") && !err.contains("tok"), "{err}");
    }
}
