//! The one place keyhound talks to the network: `ureq` over rustls, no redirects, a global
//! timeout, the standard proxy variables (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) except
//! for loopback targets.

use std::{io::Read, time::Duration};

use super::{
    answer::{Failure, Reply},
    request::{Prepared, host_of, is_loopback},
};

/// How much of an answer is read: enough for an error code, bounded against a hostile server.
const MAX_BODY_BYTES: u64 = 64 * 1024;

pub(crate) struct Client {
    proxied: ureq::Agent,
    direct: ureq::Agent,
}

impl Client {
    pub(crate) fn new(timeout: Duration) -> Client {
        let agent = |proxy: Option<ureq::Proxy>| -> ureq::Agent {
            ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .max_redirects(0)
                .user_agent(concat!("keyhound/", env!("CARGO_PKG_VERSION")))
                .proxy(proxy)
                .build()
                .into()
        };
        Client { proxied: agent(ureq::Proxy::try_from_env()), direct: agent(None) }
    }

    pub(crate) fn send(&self, request: &Prepared) -> Reply {
        let host = host_of(&request.url);
        let hostname = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
        let agent = if is_loopback(hostname) { &self.direct } else { &self.proxied };
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let result = match &request.body {
            Some(body) => builder.body(body.clone()).map(|r| agent.run(r)),
            None => builder.body(()).map(|r| agent.run(r)),
        };
        let response = match result {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => return Reply::Failed(classify(&err)),
            Err(_) => return Reply::Failed(Failure::Other),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let read = response.into_body().into_reader().take(MAX_BODY_BYTES).read_to_end(&mut body);
        match read {
            Ok(_) => Reply::Answer { status, body: String::from_utf8_lossy(&body).into_owned() },
            // The status is known; a body cut short by the timeout only loses detail.
            Err(_) if !body.is_empty() || status != 200 => {
                Reply::Answer { status, body: String::from_utf8_lossy(&body).into_owned() }
            }
            Err(err) => Reply::Failed(io_failure(&err)),
        }
    }
}

fn classify(err: &ureq::Error) -> Failure {
    match err {
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Failure::Unreachable,
        ureq::Error::Io(io) => io_failure(io),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => Failure::Tls,
        _ => Failure::Other,
    }
}

fn io_failure(err: &std::io::Error) -> Failure {
    use std::io::ErrorKind::*;
    match err.kind() {
        TimedOut | WouldBlock => Failure::Timeout,
        ConnectionRefused | NetworkUnreachable | HostUnreachable | AddrNotAvailable
        | NotConnected => Failure::Unreachable,
        // std reports a failed DNS lookup (`failed to lookup address information`) as an
        // uncategorized error; its text comes from the resolver, never from the URL.
        _ if err.to_string().contains("lookup address") => Failure::Unreachable,
        _ => Failure::Other,
    }
}
