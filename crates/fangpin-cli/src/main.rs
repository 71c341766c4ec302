//! `fangpin`, the project's command line.
//!
//! `fangpin assess [FILE|-] [--policy POLICY.json] [--today YYYY-MM-DD]`
//! reads one household in the JSON form of `docs/household-json.md`,
//! validates every field, and prints the assessment as pretty JSON on
//! stdout. Invalid input exits with status 1 and one `error: FIELD: WHY`
//! line per problem on stderr. This binary is the only place that reads the
//! clock: `--today` defaults to the local date.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use fangpin_domain::{assess_valid, FieldErrors, HouseholdRecord, PolicyBook};
use serde::de::DeserializeOwned;

mod accounts;
mod data;
mod demo;
mod report;
mod serve;
mod service;
mod workflow;

/// The fangpin command line: tools for 防止返贫监测帮扶排查整改.
#[derive(Debug, Parser)]
#[command(name = "fangpin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess one household: income against the monitoring line, 两不愁三保障
    /// and drinking water, special groups; suggest a monitoring category,
    /// measures and risk types.
    Assess(AssessArgs),
    /// Runs the sync service (and the console) over the database named by --db.
    Serve(serve::ServeArgs),
    /// Manages accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Manages enrolled devices.
    #[command(subcommand)]
    Device(accounts::DeviceCommand),
    /// Fills an empty service database with a generated demo township.
    Demo(demo::DemoArgs),
    /// Compares the read model with a rebuild from the changes (and writes it with --replace).
    Rebuild(data::RebuildArgs),
    /// Lists refused changes and judges them again.
    #[command(subcommand)]
    Quarantine(data::QuarantineCommand),
    /// Starts a new epoch after a backup is restored.
    #[command(subcommand)]
    Epoch(data::EpochCommand),
    /// Imports area names.
    #[command(subcommand)]
    Area(data::AreaCommand),
    /// The township's campaign: create it, draw the re-check sample, print progress and
    /// ratings.
    #[command(subcommand)]
    Campaign(workflow::CampaignCommand),
    /// Procedures: record a step at the office.
    #[command(subcommand)]
    Procedure(workflow::ProcedureCommand),
    /// The problem ledger: enter a problem found by the township (巡视, 审计 …).
    #[command(subcommand)]
    Ledger(workflow::LedgerCommand),
    /// The paperwork: 问题台账, 村级公示, the data-quality check and the national export.
    #[command(subcommand)]
    Report(report::ReportCommand),
}

#[derive(Debug, Args)]
struct AssessArgs {
    /// The household JSON file, or `-` for standard input.
    #[arg(default_value = "-")]
    file: String,
    /// A policy JSON file (lines, defaults, overrides); without it the
    /// built-in seed policy (6500 yuan for 2025) is used.
    #[arg(long, value_name = "POLICY.json")]
    policy: Option<PathBuf>,
    /// The date ages are computed on and dates are checked against
    /// (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<NaiveDate>,
}

/// Field errors found in one input, with the input's name.
#[derive(Debug)]
struct InvalidInput {
    source: String,
    errors: FieldErrors,
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} invalid field(s) in {}; nothing was assessed",
            self.errors.len(),
            self.source
        )
    }
}

impl std::error::Error for InvalidInput {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::FAILURE
        }
    }
}

fn report(err: &anyhow::Error) {
    if let Some(invalid) = err.downcast_ref::<InvalidInput>() {
        for e in &invalid.errors {
            eprintln!("error: {}: {}", e.field, e.message);
            eprintln!("       {}", e.message_zh);
        }
        eprintln!("error: {invalid}");
    } else {
        eprintln!("error: {err:#}");
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Assess(args) => assess_command(&args),
        Command::Serve(args) => runtime()?.block_on(serve::serve(args)),
        Command::User(cmd) => runtime()?.block_on(accounts::user(cmd)),
        Command::Device(cmd) => runtime()?.block_on(accounts::device(cmd)),
        Command::Demo(args) => runtime()?.block_on(demo::demo(args)),
        Command::Rebuild(args) => runtime()?.block_on(data::rebuild(args)),
        Command::Quarantine(cmd) => runtime()?.block_on(data::quarantine(cmd)),
        Command::Epoch(cmd) => runtime()?.block_on(data::epoch(cmd)),
        Command::Area(cmd) => runtime()?.block_on(data::area(cmd)),
        Command::Campaign(cmd) => runtime()?.block_on(workflow::campaign(cmd)),
        Command::Procedure(cmd) => runtime()?.block_on(workflow::procedure(cmd)),
        Command::Ledger(cmd) => runtime()?.block_on(workflow::ledger(cmd)),
        Command::Report(cmd) => runtime()?.block_on(report::report(cmd)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init()
        .ok();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn assess_command(args: &AssessArgs) -> Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let book = match &args.policy {
        Some(path) => load_policy(path)?,
        None => PolicyBook::seed(),
    };
    let (source, text) = read_input(&args.file)?;
    let record: HouseholdRecord = parse_json(&text, &source)?;
    let valid = record.validate(today).map_err(|errors| InvalidInput {
        source: source.clone(),
        errors,
    })?;
    let policy = book
        .resolve(&valid.area, record.income.current.year)
        .map_err(|e| anyhow!("{e} ({})", e.message_zh()))
        .with_context(|| {
            format!(
                "{source}: household.area.code / income.current.year: no policy applies; \
                 pass --policy with a monitoring line for this area and year"
            )
        })?;
    let assessment = assess_valid(&valid, &policy, today);
    let mut text =
        serde_json::to_string_pretty(&assessment).context("serialising the assessment")?;
    text.push('\n');
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`fangpin assess ... | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the assessment"),
    }
}

fn read_input(file: &str) -> Result<(String, String)> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the household from standard input")?;
        Ok(("standard input".to_owned(), text))
    } else {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading the household from {file}"))?;
        Ok((file.to_owned(), text))
    }
}

/// The policy in `path`, or the built-in one when none is given.
fn policy_or_seed(path: Option<&Path>) -> Result<std::sync::Arc<PolicyBook>> {
    Ok(std::sync::Arc::new(match path {
        Some(p) => load_policy(p)?,
        None => PolicyBook::seed(),
    }))
}

fn load_policy(path: &Path) -> Result<PolicyBook> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the policy from {source}"))?;
    let book: PolicyBook = parse_json(&text, &source)?;
    book.validate().map_err(|errors| InvalidInput {
        source: source.clone(),
        errors,
    })?;
    Ok(book)
}

/// Parses JSON, naming the field path of the first error
/// (`members[1].sex: unknown variant ...`).
fn parse_json<T: DeserializeOwned>(text: &str, source: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let known = !matches!(path.as_str(), "" | "." | "?");
        match (inner.is_syntax() || inner.is_eof(), known) {
            (true, true) => anyhow!("{source}: invalid JSON in {path}: {inner}"),
            (true, false) | (false, false) => anyhow!("{source}: invalid JSON: {inner}"),
            (false, true) => anyhow!("{source}: {path}: {inner}"),
        }
    })?;
    de.end()
        .map_err(|e| anyhow!("{source}: invalid JSON after the value: {e}"))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_errors_name_the_path() {
        let err = parse_json::<HouseholdRecord>(r#"{"household": {"id": 5}}"#, "x.json")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.starts_with("x.json: household.id: invalid type"),
            "{err}"
        );
        let err = parse_json::<HouseholdRecord>("{", "x.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("x.json: invalid JSON"), "{err}");
    }
}
