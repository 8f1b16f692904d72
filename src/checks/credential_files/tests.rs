use super::*;

#[test]
fn classifies_credential_files_by_name_and_folder() {
    use CredentialKind::*;
    let cases = [
        (".git-credentials", GitCredentials),
        ("home/ci/.netrc", Netrc),
        ("_netrc", Netrc),
        (".pgpass", Pgpass),
        ("public/.htpasswd", Htpasswd),
        ("web/.npmrc", Npmrc),
        (".pypirc", Pypirc),
        ("ci/.docker/config.json", DockerConfig),
        (".dockercfg", DockerConfig),
        (".s3cfg", S3cfg),
        (".boto", Boto),
        ("deploy/.aws/credentials", AwsCredentials),
        ("infra/terraform.tfstate", TerraformState),
        ("infra/prod.tfstate.backup", TerraformState),
        ("keys/id_rsa", SshPrivateKey),
        (".ssh/id_ed25519", SshPrivateKey),
        ("FileZilla/sitemanager.xml", FileZilla),
        ("recentservers.xml", FileZilla),
        ("wp-config.php", WordPressConfig),
    ];
    for (path, kind) in cases {
        assert_eq!(classify(path), Some(kind), "{path}");
    }
    for path in ["config.json", "id_rsa.pub", "credentials.py", "wp-config-sample.php", "npmrc.md"]
    {
        assert_eq!(classify(path), None, "{path}");
    }
}

/// The secrets `kind` finds in `content`, as text.
fn secrets(kind: CredentialKind, content: &str) -> Vec<String> {
    kind.secrets(content.as_bytes()).into_iter().map(|s| content[s.range].to_string()).collect()
}

#[test]
fn finds_the_secret_of_each_kind_of_file() {
    use CredentialKind::*;
    let cases: &[(CredentialKind, &str, &[&str])] = &[
        (
            GitCredentials,
            "https://bot:tok3nValue@github.com\nhttps://gitlab.com\n",
            &["tok3nValue"],
        ),
        (
            Netrc,
            "machine a.example login u password pw1Secret\nmachine b\n  login v\n  password pw2Secret\n",
            &["pw1Secret", "pw2Secret"],
        ),
        (Pgpass, "# comment\ndb.internal:5432:*:app:pg\\:Pass99\n", &["pg\\:Pass99"]),
        (Htpasswd, "admin:$apr1$abc$DEF/ghi\n", &["$apr1$abc$DEF/ghi"]),
        (
            Npmrc,
            "registry=https://r.example/\n//r.example/:_authToken=npmTok3n\n_password=\"cGFzcw==\"\n",
            &["npmTok3n", "cGFzcw=="],
        ),
        (
            Pypirc,
            "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaQ\n",
            &["pypi-AgEIcHlwaQ"],
        ),
        (DockerConfig, "{\"auths\": {\"r.example\": {\"auth\": \"dTpwYXNz\"}}}\n", &["dTpwYXNz"]),
        (
            S3cfg,
            "[default]\naccess_key = AKIAEXAMPLE\nsecret_key = s3Secret/Value\n",
            &["s3Secret/Value"],
        ),
        (Boto, "[Credentials]\naws_secret_access_key = bot0Secret\n", &["bot0Secret"]),
        (
            AwsCredentials,
            "[default]\naws_access_key_id = AKIA\naws_secret_access_key=awsSecret+1\n",
            &["awsSecret+1"],
        ),
        (
            TerraformState,
            "  \"attributes\": {\n    \"password\": \"tfPass!1\",\n    \"name\": \"db\",\n    \"sensitive_attributes\": [],\n",
            &["tfPass!1"],
        ),
        (
            SshPrivateKey,
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n",
            &["-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----"],
        ),
        (
            FileZilla,
            "<Server><User>u</User><Pass encoding=\"base64\">cGFzcw==</Pass><PassiveMode>1</PassiveMode></Server>",
            &["cGFzcw=="],
        ),
        (
            WordPressConfig,
            "define( 'DB_USER', 'wp' );\ndefine( 'DB_PASSWORD', 'wpPass#9' );\n",
            &["wpPass#9"],
        ),
    ];
    for (kind, content, expected) in cases {
        assert_eq!(secrets(*kind, content), *expected, "{kind:?}");
    }
}

#[test]
fn a_git_credentials_line_names_its_host_and_where_to_revoke() {
    let found =
        CredentialKind::GitCredentials.secrets(b"https://me:t0ken@GitHub.com/org/repo.git\n");
    assert_eq!(found[0].host.as_deref(), Some("github.com"));
    let advice = CredentialKind::GitCredentials.revoke(found[0].host.as_deref());
    assert!(advice.contains("https://github.com/settings/tokens"), "{advice}");
    let other = CredentialKind::GitCredentials.revoke(Some("git.acme.internal"));
    assert!(other.contains("git.acme.internal"), "{other}");
}
