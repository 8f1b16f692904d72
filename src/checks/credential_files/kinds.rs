//! Which files are credential files, where in each the secrets are, and where to revoke them.

use std::ops::Range;

use super::Secret;
use crate::model::Encoding;

/// A kind of credential file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    GitCredentials,
    Netrc,
    Pgpass,
    Htpasswd,
    Npmrc,
    Pypirc,
    DockerConfig,
    S3cfg,
    Boto,
    AwsCredentials,
    TerraformState,
    SshPrivateKey,
    FileZilla,
    WordPressConfig,
}

const SSH_KEY_NAMES: &[&str] =
    &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"];

pub(super) fn classify(path: &str) -> Option<CredentialKind> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let parent = lower.rsplit('/').nth(1).unwrap_or("");
    use CredentialKind::*;
    Some(match name {
        ".git-credentials" | "git-credentials" => GitCredentials,
        ".netrc" | "_netrc" => Netrc,
        ".pgpass" | "pgpass.conf" => Pgpass,
        ".htpasswd" => Htpasswd,
        ".npmrc" => Npmrc,
        ".pypirc" => Pypirc,
        ".dockercfg" => DockerConfig,
        "config.json" if parent == ".docker" => DockerConfig,
        ".s3cfg" => S3cfg,
        ".boto" => Boto,
        "credentials" if parent == ".aws" || parent == "aws" => AwsCredentials,
        "sitemanager.xml" | "recentservers.xml" => FileZilla,
        "wp-config.php" => WordPressConfig,
        _ if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") => TerraformState,
        _ if SSH_KEY_NAMES.contains(&name) => SshPrivateKey,
        _ => return None,
    })
}

impl CredentialKind {
    /// What the file is, for the finding's name.
    pub(crate) fn label(self) -> &'static str {
        use CredentialKind::*;
        match self {
            GitCredentials => "Git credential store (.git-credentials)",
            Netrc => "netrc login file (.netrc)",
            Pgpass => "PostgreSQL password file (.pgpass)",
            Htpasswd => "Apache password file (.htpasswd)",
            Npmrc => "npm config with registry credentials (.npmrc)",
            Pypirc => "PyPI upload config with a password (.pypirc)",
            DockerConfig => "Docker client config with registry credentials",
            S3cfg => "s3cmd config (.s3cfg)",
            Boto => "boto config with cloud keys (.boto)",
            AwsCredentials => "AWS CLI credentials file",
            TerraformState => "Terraform state with sensitive values",
            SshPrivateKey => "SSH private key file",
            FileZilla => "FileZilla saved site password",
            WordPressConfig => "WordPress config with the database password (wp-config.php)",
        }
    }

    /// Where to revoke what this kind of file holds. `host` is the host a `.git-credentials`
    /// line logs in to.
    pub(crate) fn revoke(self, host: Option<&str>) -> String {
        use CredentialKind::*;
        let text = match self {
            GitCredentials => return git_host_revoke(host),
            Netrc => {
                "Change the password (or revoke the token) for the `login` of each `machine` line, at that host; a netrc usually serves curl, git or ftp."
            }
            Pgpass => {
                "Change the PostgreSQL role's password on each server the line names: ALTER ROLE <user> WITH PASSWORD '<new>'; then update the clients that connect with it."
            }
            Htpasswd => {
                "The file holds password hashes, which can be cracked offline: change each listed user's password (htpasswd -B <file> <user>) and serve the new file from outside the repository."
            }
            Npmrc => {
                "Revoke the token at the registry: npmjs.com -> Access Tokens -> Delete (or npm token revoke <id>); for `_auth`/`_password`, change that registry account's password."
            }
            Pypirc => {
                "Revoke the PyPI API token (pypi.org -> Account settings -> API tokens -> Remove) or change the account's password for a `password =` entry; the same on any private index the file names."
            }
            DockerConfig => {
                "Revoke the registry password or token each `auths` entry holds: Docker Hub -> Account settings -> Personal access tokens; GitHub Container Registry -> https://github.com/settings/tokens; a cloud registry -> rotate its robot or service-account key."
            }
            S3cfg => {
                "Deactivate and delete the access key in the provider's console (AWS: IAM -> Users -> Security credentials; DigitalOcean Spaces, Wasabi, Ceph: their access key pages), then create a new one."
            }
            Boto => {
                "Deactivate and delete the AWS or Google Cloud Storage HMAC key the file holds (AWS IAM -> Security credentials; GCS -> Settings -> Interoperability), then create a new one."
            }
            AwsCredentials => {
                "Deactivate, then delete, the access key of every profile in the file: AWS console -> IAM -> Users -> Security credentials (or aws iam update-access-key --status Inactive); revoke session tokens by revoking the role's active sessions."
            }
            TerraformState => {
                "State files keep every resource attribute in clear text: rotate each secret the state holds (database passwords, generated keys, access keys, tokens) at the service that issued it, and keep state in a remote backend with encryption and access control."
            }
            SshPrivateKey => {
                "Remove the matching public key from every authorized_keys, Git host (GitHub/GitLab deploy keys and user SSH keys) and cloud instance that trusts it, then generate a new key pair (ssh-keygen -t ed25519)."
            }
            FileZilla => {
                "Change the FTP/SFTP password of each saved site (the file stores them in clear text or base64) at that server, and remove the saved password from FileZilla (Site Manager -> Logon Type: Ask for password)."
            }
            WordPressConfig => {
                "Change the MySQL/MariaDB user's password (ALTER USER '<DB_USER>'@'<host>' IDENTIFIED BY '<new>';) and update wp-config.php on the server; also regenerate the AUTH_KEY/SALT values (https://api.wordpress.org/secret-key/1.1/salt/) if they were committed."
            }
        };
        text.to_string()
    }

    /// Whether its base64 values are `user:password` (whose password is the secret).
    pub(super) fn encodes_user_and_password(self) -> bool {
        matches!(self, CredentialKind::Npmrc | CredentialKind::DockerConfig)
    }

    /// Where the file holds secrets.
    pub(super) fn secrets(self, content: &[u8]) -> Vec<Secret> {
        use CredentialKind::*;
        let plain = |range: Range<usize>| Secret { range, encoding: None, host: None };
        let base64 =
            |range: Range<usize>| Secret { range, encoding: Some(Encoding::Base64), host: None };
        match self {
            GitCredentials => lines(content)
                .filter_map(|(at, line)| git_credential(line).map(|s| s.offset(at)))
                .collect(),
            Netrc => netrc_passwords(content).into_iter().map(plain).collect(),
            Pgpass => lines(content)
                .filter_map(|(at, line)| pgpass_password(line).map(|r| plain(shift(r, at))))
                .collect(),
            Htpasswd => lines(content)
                .filter_map(|(at, line)| htpasswd_hash(line).map(|r| plain(shift(r, at))))
                .collect(),
            Npmrc => sorted(
                ini_values(content, &["_password", "_authtoken"], true)
                    .map(plain)
                    .chain(ini_values(content, &["_auth"], true).map(base64)),
            ),
            Pypirc => ini_values(content, &["password"], false).map(plain).collect(),
            S3cfg => {
                ini_values(content, &["secret_key", "access_token"], false).map(plain).collect()
            }
            Boto => ini_values(
                content,
                &["aws_secret_access_key", "gs_secret_access_key", "gs_oauth2_refresh_token"],
                false,
            )
            .map(plain)
            .collect(),
            AwsCredentials => {
                ini_values(content, &["aws_secret_access_key", "aws_session_token"], false)
                    .map(plain)
                    .collect()
            }
            DockerConfig => sorted(
                json_strings(content, |k| {
                    matches!(k, "identitytoken" | "password" | "registrytoken")
                })
                .map(plain)
                .chain(json_strings(content, |key| key == "auth").map(base64)),
            ),
            TerraformState => json_strings(content, is_sensitive_attribute).map(plain).collect(),
            SshPrivateKey => pem_block(content).map(plain).into_iter().collect(),
            FileZilla => filezilla_passwords(content).collect(),
            WordPressConfig => wp_define(content, "DB_PASSWORD").map(plain).into_iter().collect(),
        }
    }
}

/// Secrets in file order.
fn sorted(secrets: impl Iterator<Item = Secret>) -> Vec<Secret> {
    let mut secrets: Vec<Secret> = secrets.collect();
    secrets.sort_by_key(|s| s.range.start);
    secrets
}

impl Secret {
    fn offset(mut self, by: usize) -> Secret {
        self.range = shift(self.range, by);
        self
    }
}

fn shift(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

/// Each line with its offset, without its line break.
fn lines(content: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    content.split(|&b| b == b'\n').map(move |line| {
        let start = at;
        at += line.len() + 1;
        (start, line.strip_suffix(b"\r").unwrap_or(line))
    })
}

fn trimmed(line: &[u8], range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start, range.end);
    while start < end && line[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    start..end
}

/// `https://user:TOKEN@host/...`: the password, and the host.
fn git_credential(line: &[u8]) -> Option<Secret> {
    let scheme_end = memchr::memmem::find(line, b"://")? + 3;
    let at = scheme_end + memchr::memrchr(b'@', &line[scheme_end..])?;
    let colon = scheme_end + memchr::memchr(b':', &line[scheme_end..at])?;
    let host_end = line[at + 1..]
        .iter()
        .position(|b| matches!(b, b'/' | b':' | b' ' | b'?' | b'#'))
        .map_or(line.len(), |p| at + 1 + p);
    let host = String::from_utf8_lossy(&line[at + 1..host_end]).to_ascii_lowercase();
    (colon + 1 < at).then(|| Secret { range: colon + 1..at, encoding: None, host: Some(host) })
}

/// `machine h login u password SECRET`, over one line or several.
fn netrc_passwords(content: &[u8]) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut at = 0;
    while at < content.len() {
        while at < content.len() && content[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while at < content.len() && !content[at].is_ascii_whitespace() {
            at += 1;
        }
        if start < at {
            words.push(start..at);
        }
    }
    words
        .windows(2)
        .filter(|pair| &content[pair[0].clone()] == b"password")
        .map(|pair| pair[1].clone())
        .collect()
}

/// `host:port:database:user:PASSWORD` (`\:` escapes a colon).
fn pgpass_password(line: &[u8]) -> Option<Range<usize>> {
    if line.first() == Some(&b'#') {
        return None;
    }
    let mut fields = 0;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'\\' => i += 1,
            b':' => {
                fields += 1;
                if fields == 4 {
                    return Some(i + 1..line.len());
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `user:HASH`.
fn htpasswd_hash(line: &[u8]) -> Option<Range<usize>> {
    if line.first() == Some(&b'#') {
        return None;
    }
    let colon = memchr::memchr(b':', line)?;
    let range = trimmed(line, colon + 1..line.len());
    (colon > 0 && !range.is_empty()).then_some(range)
}

/// `key = VALUE` / `key: VALUE` lines whose key (lower-cased) is one of `keys`; `suffix`: the
/// key may be the end of a longer one (`//registry.npmjs.org/:_authToken`).
fn ini_values<'c>(
    content: &'c [u8],
    keys: &'c [&str],
    suffix: bool,
) -> impl Iterator<Item = Range<usize>> + 'c {
    lines(content).filter_map(move |(at, line)| {
        let separator = line.iter().position(|b| matches!(b, b'=' | b':'))?;
        let separator = if suffix {
            // `//host/:_authToken=...`: the key ends at the `=`.
            memchr::memchr(b'=', line)?
        } else {
            separator
        };
        let key = String::from_utf8_lossy(&line[..separator]).trim().to_ascii_lowercase();
        let matches_key = keys.iter().any(|k| if suffix { key.ends_with(k) } else { key == *k });
        if !matches_key || key.starts_with('#') || key.starts_with(';') {
            return None;
        }
        let value = unquoted(line, trimmed(line, separator + 1..line.len()));
        (!value.is_empty()).then(|| shift(value, at))
    })
}

/// `range` of `line` without one pair of surrounding quotes.
fn unquoted(line: &[u8], range: Range<usize>) -> Range<usize> {
    let value = &line[range.clone()];
    match (value.first(), value.last()) {
        (Some(&a @ (b'"' | b'\'')), Some(&b)) if a == b && value.len() >= 2 => {
            range.start + 1..range.end - 1
        }
        _ => range,
    }
}

/// `"key": "VALUE"` string values whose key `wanted` accepts.
fn json_strings<'c>(
    content: &'c [u8],
    wanted: fn(&str) -> bool,
) -> impl Iterator<Item = Range<usize>> + 'c {
    lines(content).flat_map(move |(at, line)| {
        let mut found = Vec::new();
        let mut i = 0;
        while let Some(open) = memchr::memchr(b'"', &line[i..]).map(|p| i + p) {
            let Some(close) = memchr::memchr(b'"', &line[open + 1..]).map(|p| open + 1 + p) else {
                break;
            };
            let key = String::from_utf8_lossy(&line[open + 1..close]).to_ascii_lowercase();
            let mut j = close + 1;
            while line.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                j += 1;
            }
            if line.get(j) != Some(&b':') {
                i = close + 1;
                continue;
            }
            j += 1;
            while line.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                j += 1;
            }
            if line.get(j) == Some(&b'"') {
                let value_end = string_end(line, j + 1);
                if wanted(&key) && value_end > j + 1 {
                    found.push(shift(j + 1..value_end, at));
                }
                i = value_end + 1;
            } else {
                i = j;
            }
            if i >= line.len() {
                break;
            }
        }
        found
    })
}

/// Where the JSON string starting at `from` (after its quote) ends.
fn string_end(line: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    line.len()
}

/// Terraform resource attributes that hold secrets.
fn is_sensitive_attribute(key: &str) -> bool {
    const EXACT: &[&str] = &["token", "secret", "private_key", "access_key", "secret_key"];
    const ENDINGS: &[&str] = &[
        "password",
        "_secret",
        "secret_key",
        "secret_access_key",
        "private_key_pem",
        "private_key_openssh",
        "_token",
        "connection_string",
        "primary_access_key",
        "secondary_access_key",
        "client_secret",
        "api_key",
    ];
    EXACT.contains(&key) || ENDINGS.iter().any(|e| key.ends_with(e))
}

/// The first `-----BEGIN ... PRIVATE KEY-----` block, through its END line.
fn pem_block(content: &[u8]) -> Option<Range<usize>> {
    let start = memchr::memmem::find(content, b"-----BEGIN ")?;
    let end_marker = memchr::memmem::find(&content[start..], b"-----END ")? + start;
    let end = memchr::memmem::find(&content[end_marker + 9..], b"-----")? + end_marker + 14;
    let header = &content[start..end.min(start + 64)];
    memchr::memmem::find(header, b"PRIVATE KEY").map(|_| start..end)
}

/// `<Pass>SECRET</Pass>` and `<Pass encoding="base64">SECRET</Pass>`.
fn filezilla_passwords(content: &[u8]) -> impl Iterator<Item = Secret> + '_ {
    memchr::memmem::find_iter(content, b"<Pass").filter_map(move |open| {
        let tag_end = open + memchr::memchr(b'>', &content[open..])?;
        let tag = &content[open..tag_end];
        if tag.len() > 5 && !tag[5].is_ascii_whitespace() {
            return None; // <Password...>, <PassiveMode>
        }
        let close = tag_end + memchr::memmem::find(&content[tag_end..], b"</Pass>")?;
        let encoding = memchr::memmem::find(tag, b"base64").map(|_| Encoding::Base64);
        Some(Secret { range: tag_end + 1..close, encoding, host: None })
    })
}

/// `define( 'NAME', 'SECRET' );`
fn wp_define(content: &[u8], name: &str) -> Option<Range<usize>> {
    lines(content).find_map(|(at, line)| {
        let found = memchr::memmem::find(line, name.as_bytes())?;
        let before = String::from_utf8_lossy(&line[..found]);
        if !before.trim_end_matches(['\'', '"', ' ', '(']).ends_with("define") {
            return None;
        }
        let rest = found + name.len() + 1;
        let comma = rest + memchr::memchr(b',', &line[rest..])?;
        let value_start =
            comma + 1 + line[comma + 1..].iter().position(|b| *b == b'\'' || *b == b'"')?;
        let quote = line[value_start];
        let value_end = value_start + 1 + memchr::memchr(quote, &line[value_start + 1..])?;
        Some(shift(value_start + 1..value_end, at))
    })
}

/// Where to revoke a Git host's password or token.
fn git_host_revoke(host: Option<&str>) -> String {
    let host = host.unwrap_or("");
    let place = match host {
        "github.com" => "https://github.com/settings/tokens (and https://github.com/settings/apps/authorizations for OAuth apps); an organization's owners can also revoke it for the organization".to_string(),
        "gitlab.com" => "https://gitlab.com/-/user_settings/personal_access_tokens (a project or group token: its Settings -> Access tokens)".to_string(),
        "bitbucket.org" => "https://bitbucket.org/account/settings/app-passwords/ (or the workspace's access tokens)".to_string(),
        "dev.azure.com" | "visualstudio.com" => "https://dev.azure.com/<organization>/_usersSettings/tokens".to_string(),
        h if h.ends_with(".visualstudio.com") => format!("https://{h}/_usersSettings/tokens"),
        "codeberg.org" | "gitea.com" => format!("https://{host}/user/settings/applications"),
        "" => "the Git host each line names: its account settings -> access tokens".to_string(),
        h => format!("{h}: its account settings -> access tokens (or change the account's password)"),
    };
    format!(
        "Each line of .git-credentials is a login in clear text. Revoke this one's token at {place}; then run `git credential reject` for it and keep credentials in a helper (git config credential.helper osxkeychain / manager / libsecret)."
    )
}
