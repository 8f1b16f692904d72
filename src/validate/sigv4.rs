//! AWS Signature Version 4, for `sts:GetCallerIdentity` with a found key pair. Tested against
//! AWS's published signature test suite (`get-vanilla`, `get-vanilla-query-order-key-case`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::model::sha256_hex;

/// The STS global endpoint signs as us-east-1.
pub(crate) const STS_REGION: &str = "us-east-1";
pub(crate) const STS_SERVICE: &str = "sts";

pub(crate) struct Credentials<'a> {
    pub(crate) access_key_id: &'a str,
    pub(crate) secret_access_key: &'a str,
    pub(crate) session_token: Option<&'a str>,
}

pub(crate) struct Signable<'a> {
    pub(crate) method: &'a str,
    /// `host[:port]` as sent in the `Host` header.
    pub(crate) host: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub(crate) amz_date: &'a str,
}

/// The headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` for temporary
/// keys, and `Authorization`.
pub(crate) fn sign(request: &Signable, credentials: &Credentials) -> Vec<(String, String)> {
    let mut added = vec![("X-Amz-Date".to_string(), request.amz_date.to_string())];
    if let Some(token) = credentials.session_token {
        added.push(("X-Amz-Security-Token".to_string(), token.to_string()));
    }
    let mut signed: Vec<(String, String)> = request
        .headers
        .iter()
        .chain(&added)
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string()))
        .chain(std::iter::once(("host".to_string(), request.host.to_string())))
        .collect();
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_names = signed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_names}\n{}",
        request.method,
        request.path,
        canonical_query(request.query),
        sha256_hex(request.body)
    );
    let date = &request.amz_date[..8];
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        request.amz_date,
        sha256_hex(canonical_request.as_bytes())
    );
    let key = signing_key(credentials.secret_access_key, date, request.region, request.service);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    added.push((
        "Authorization".to_string(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_names}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    added
}

/// Parameters sorted by name then value; they arrive already percent-encoded.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time.
pub(crate) fn amz_date(unix: i64) -> String {
    let day = crate::exposure::civil_date(unix).replace('-', "");
    let secs = unix.rem_euclid(86_400);
    format!("{day}T{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's signature test suite credentials and clock (published example values, not a key).
    const SUITE: Credentials<'static> = Credentials {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        session_token: None,
    };

    fn suite_request(query: &'static str) -> Signable<'static> {
        Signable {
            method: "GET",
            host: "example.amazonaws.com",
            path: "/",
            query,
            headers: &[],
            body: b"",
            region: "us-east-1",
            service: "service",
            amz_date: "20150830T123600Z",
        }
    }

    fn authorization(headers: &[(String, String)]) -> &str {
        &headers.iter().find(|(n, _)| n == "Authorization").unwrap().1
    }

    #[test]
    fn matches_aws_get_vanilla() {
        let headers = sign(&suite_request(""), &SUITE);
        assert_eq!(
            authorization(&headers),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(headers[0], ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()));
    }

    #[test]
    fn matches_aws_get_vanilla_query_order_key_case() {
        let headers = sign(&suite_request("Param2=value2&Param1=value1"), &SUITE);
        assert!(
            authorization(&headers).ends_with(
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
            ),
            "{}",
            authorization(&headers)
        );
    }

    #[test]
    fn a_session_token_is_sent_and_signed() {
        let credentials = Credentials { session_token: Some("tok"), ..SUITE };
        let headers = sign(&suite_request(""), &credentials);
        assert!(headers.iter().any(|(n, v)| n == "X-Amz-Security-Token" && v == "tok"));
        assert!(
            authorization(&headers).contains("SignedHeaders=host;x-amz-date;x-amz-security-token")
        );
    }

    #[test]
    fn amz_dates() {
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(amz_date(0), "19700101T000000Z");
    }
}
