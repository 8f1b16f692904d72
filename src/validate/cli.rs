//! The command-line face of live checks: the flags `scan`, `doctor` and `revoke` share, and
//! the commands themselves, so `main.rs` only routes to them.

use std::{process::ExitCode, time::Duration};

use anyhow::{Result, anyhow, bail};

use super::{Catalog, Options, doctor, recognise, revoke, validate};
use crate::{diagnostics::Diagnostics, finding::Finding, rules};

/// Where checks go and how long they may take.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ClientArgs {
    /// Send PROVIDER's checks to URL instead: GitHub Enterprise, self-hosted GitLab, another
    /// region, tests (plain http:// only for loopback). PROVIDER as `keyhound rules` shows it,
    /// lower case without spaces (`github`, `huggingface`).
    #[arg(long, value_name = "PROVIDER=URL")]
    pub(crate) validator_url: Vec<String>,
    /// Seconds to wait for each provider's answer.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub(crate) validate_timeout: f64,
}

impl ClientArgs {
    fn options(&self, catalog: &Catalog) -> Result<Options> {
        if !(self.validate_timeout > 0.0 && self.validate_timeout <= 600.0) {
            bail!("--validate-timeout must be between 0 and 600 seconds");
        }
        let mut options =
            Options::with_bases(catalog, &self.validator_url).map_err(|e| anyhow!(e))?;
        options.timeout = Duration::from_secs_f64(self.validate_timeout);
        Ok(options)
    }
}

/// `scan --validate` and `--only-live`.
#[derive(clap::Args, Debug, Clone)]
pub struct ValidateArgs {
    /// Ask each provider whether the found keys still work: one request per unique secret.
    /// Without this flag keyhound makes no network request at all.
    #[arg(long)]
    pub(crate) validate: bool,
    /// Report only keys the provider accepts (live or live-limited); implies --validate.
    #[arg(long)]
    pub(crate) only_live: bool,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

impl ValidateArgs {
    pub(crate) fn enabled(&self) -> bool {
        self.validate || self.only_live
    }

    /// Validates `findings` in place (and drops the not-live ones for `--only-live`); does
    /// nothing, and sends nothing, without `--validate`.
    pub fn apply(&self, findings: &mut Vec<Finding>, diagnostics: &Diagnostics) -> Result<()> {
        if !self.enabled() {
            if !self.client.validator_url.is_empty() {
                bail!("--validator-url needs --validate or --only-live");
            }
            return Ok(());
        }
        let catalog = Catalog::builtin()?;
        let options = self.client.options(&catalog)?;
        let validations = validate(findings, &catalog, &options, diagnostics);
        for (finding, validation) in findings.iter_mut().zip(validations) {
            finding.validation = Some(validation);
        }
        if self.only_live {
            findings.retain(|f| f.validation.as_ref().is_some_and(|v| v.status.is_live()));
        }
        Ok(())
    }
}

const DOCTOR_HELP: &str = "\
Exit codes: 0 the key is live (with --offline: well-formed), 1 it is not, 2 error.

Examples:
  keyhound doctor < key.txt                 name the provider, check the key once, explain 401/403
  keyhound doctor --env OPENAI_API_KEY --offline   format, checksum and header only; send nothing";

const REVOKE_HELP: &str = "\
Exit codes: 0 revoked (or only rotation advice applies), 1 not revoked, 2 error.

Examples:
  keyhound revoke < leaked.txt              asks, then revokes a GitHub, GitLab or Slack token
  keyhound revoke --yes < leaked.txt        without asking (scripts)";

/// The live-check commands, flattened into keyhound's subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum LiveCommand {
    /// Why does my API call get 401/403? Reads a key from standard input (or --env), names
    /// its provider, prints the header it expects, checks it once and explains the answer.
    #[command(after_help = DOCTOR_HELP)]
    Doctor(DoctorArgs),
    /// Revoke a key (read from standard input) where its provider's API allows it (GitHub,
    /// GitLab, Slack); for other providers, print how to rotate it.
    #[command(after_help = REVOKE_HELP)]
    Revoke(RevokeArgs),
}

impl LiveCommand {
    pub fn run(&self) -> Result<ExitCode> {
        match self {
            LiveCommand::Doctor(args) => doctor_command(args),
            LiveCommand::Revoke(args) => revoke_command(args),
        }
    }
}

/// `keyhound doctor`.
#[derive(clap::Args, Debug, Clone)]
pub struct DoctorArgs {
    /// Read the key from this environment variable instead of standard input.
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
    /// Send nothing: format, checksum and headers only.
    #[arg(long)]
    pub(crate) offline: bool,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// What `doctor` and `revoke` start from: the validators, the client settings, the key (from
/// `env` or standard input) and the built-in rules that recognise it.
fn live_inputs(
    client: &ClientArgs,
    env: Option<&str>,
) -> Result<(Catalog, Options, String, Vec<rules::Rule>)> {
    let catalog = Catalog::builtin()?;
    let options = client.options(&catalog)?;
    let key = recognise::read_key(env).map_err(|e| anyhow!(e))?;
    Ok((catalog, options, key, rules::builtin_rules()?))
}

/// Exit 0 when the key is live (offline: its format is right), 1 when something is wrong.
pub(crate) fn doctor_command(args: &DoctorArgs) -> Result<ExitCode> {
    let (catalog, options, key, rules) = live_inputs(&args.client, args.env.as_deref())?;
    let mut out = std::io::stdout().lock();
    let verdict = doctor::doctor(&key, &rules, &catalog, &options, args.offline, &mut out)?;
    Ok(if verdict == doctor::Verdict::Healthy { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `keyhound revoke`.
#[derive(clap::Args, Debug, Clone)]
pub struct RevokeArgs {
    /// Revoke without asking.
    #[arg(long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) client: ClientArgs,
}

/// Exit 0 when the key was revoked or only advice applies, 1 when it was not revoked.
pub(crate) fn revoke_command(args: &RevokeArgs) -> Result<ExitCode> {
    let (catalog, options, key, rules) = live_inputs(&args.client, None)?;
    let mut confirm =
        |question: &str| if args.yes { Ok(true) } else { recognise::confirm_on_stdin(question) };
    let mut out = std::io::stdout().lock();
    let outcome = revoke::revoke(&key, &rules, &catalog, &options, &mut confirm, &mut out)
        .map_err(|e| anyhow!(e))?;
    Ok(match outcome {
        revoke::Outcome::Revoked | revoke::Outcome::AdviceOnly => ExitCode::SUCCESS,
        revoke::Outcome::NotRevoked => ExitCode::from(1),
    })
}
