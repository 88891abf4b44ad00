//! `patchwarden`: the command line. It parses flags, calls the engine, prints, and maps
//! outcomes to exit codes (0 ok, 1 or `--exit-code N` findings when asked, 2 errors).

mod config;
mod cvss_cmd;
mod db;
mod demo;
mod identity_cmd;
mod inventory_cmd;
mod jobs_cmd;
mod partner_cmd;
mod policy_files;
mod portfolio_cmd;
mod report_cmd;
mod review_cmd;
mod samm_cmd;
mod serve_cmd;
mod upload;
mod version_cmd;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use patchwarden_engine::{ScanResult, Strictness};
use patchwarden_store::{ScanRecord, Store};

/// Exit code for input, usage and runtime errors.
const EXIT_ERROR: u8 = 2;
/// Exit code when the policy gate fails.
const EXIT_GATE_FAILED: u8 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "patchwarden",
    version,
    about = "Vulnerability patch management: know your components, match them against advisories, patch within SLA.",
    after_help = "Examples:\n  patchwarden demo\n  patchwarden scan . --advisories osv/crates-all.zip\n  patchwarden db import osv/npm-all.zip osv/PyPI-all.zip\n  patchwarden scan . --format json --output scan.json --exit-code 1\n\nExit codes: 0 success; N (given with --exit-code N) findings were reported; 2 input, usage or runtime error."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Global {
    /// Database: a SQLite file path, or a postgres://user@host/db URL. Default: a SQLite file
    /// in the user's data directory (created on first use).
    #[arg(
        long,
        global = true,
        env = "PATCHWARDEN_DATABASE",
        value_name = "PATH|URL"
    )]
    database: Option<String>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Only errors on stderr: no warnings, no summary.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Configuration file (default: ~/.config/patchwarden/config.toml when it exists).
    #[arg(long, global = true, env = "PATCHWARDEN_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Who is acting, for the audit log (default: the login name).
    #[arg(long, global = true, env = "PATCHWARDEN_ACTOR", value_name = "NAME")]
    actor: Option<String>,
    /// Log lines as text (default) or as one JSON object per line (for log collectors).
    #[arg(long, global = true, env = "PATCHWARDEN_LOG_FORMAT", value_name = "FORMAT", value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find lockfiles under a path, match their components against advisories, report findings.
    #[command(
        after_help = "Files read: every format `patchwarden inventory` reads (lockfiles, manifests, OS package databases, SBOMs, container images; see docs/inventory.md). .git and node_modules are skipped; symbolic links are not followed.\n\nFormats (--format): table (default), json (docs/scan-json.md), sarif (SARIF 2.1.0 for code scanning), cyclonedx (CycloneDX 1.6 BOM with vulnerabilities and VEX analysis), csv, markdown (a pull-request comment), html (one self-contained page); see docs/scan-formats.md.\n\nExamples:\n  patchwarden scan .\n  patchwarden scan services/api --advisories osv/PyPI-all.zip\n  patchwarden scan Cargo.lock --format json --output scan.json\n  patchwarden scan . --format sarif --output patchwarden.sarif   # upload to code scanning\n  patchwarden scan . --format markdown --output comment.md\n  patchwarden scan . --exit-code 1     # fail a CI job when anything is found\n  patchwarden scan . --fail-on high    # the CI gate: exit 1 on an open High or Critical finding\n  patchwarden scan . --policy ci/patchwarden.toml --vex app.openvex.json\n  patchwarden scan . --record --product shop --project api   # into the local portfolio\n  PATCHWARDEN_TOKEN=... patchwarden scan . --upload https://patchwarden.example --product shop --project api\n  patchwarden scan saved-scan.json     # a saved --format json scan, against today's advisories\n\nUploading: --upload sends the scan's JSON document (every component included) to the server, which evaluates and records it as --record does locally (docs/api.md, \"Uploading a scan\"); what recording changed is printed as with --record. The token comes from --token or PATCHWARDEN_TOKEN and is never printed. --upload and --record exclude each other.\n\nJudging: the nearest patchwarden.toml at or above PATH (or --policy FILE) sets SLA days, the KEV and EPSS rules, exceptions and the gate (fail_on); .trivyignore and osv-scanner.toml [[IgnoredVulns]] beside PATH are read as exceptions (--no-ignore-files to skip); --vex FILE closes findings a VEX document marks not_affected or fixed. See docs/policy.md.\n\nExit codes: 0 gate passed (or no gate rule set); 1 gate failed (policy fail_on or --fail-on); N from --exit-code N when open findings exist and the gate passed; 2 input, usage or runtime error, or a failed --upload (after the local report is written)."
    )]
    Scan(ScanArgs),
    /// List every component (package and version) found under a path: lockfiles, manifests,
    /// OS package databases, SBOMs and container images. Needs no advisories and no database.
    #[command(
        after_help = "Formats: Cargo.lock; package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock; requirements*.txt (with -r/-c includes), poetry.lock, Pipfile.lock, uv.lock, pdm.lock; go.mod (+go.sum); Gemfile.lock; composer.lock; pom.xml, gradle.lockfile; packages.lock.json; pubspec.lock; mix.lock; dpkg status and status.d, apk installed, rpmdb.sqlite (distribution from etc/os-release or --distro); CycloneDX JSON/XML and SPDX JSON/tag-value SBOMs; a saved `patchwarden scan --format json`; container images (`docker save` archives, OCI layouts as directory or tar: layers applied in order, each component names its layer). See docs/inventory.md.\n\nExamples:\n  patchwarden inventory .\n  patchwarden inventory image.tar          # docker save myapp:1.4 -o image.tar\n  patchwarden inventory app/yarn.lock --format json\n  patchwarden inventory rootfs/ --distro Debian:12\n  patchwarden inventory bom.cdx.json\n  patchwarden inventory saved-scan.json   # scan --format json output\n  patchwarden inventory . --exclude 'test/**' --exclude examples"
    )]
    Inventory(inventory_cmd::InventoryArgs),
    /// Write an SBOM (CycloneDX 1.6 JSON or SPDX 2.3 JSON) of every component under a path.
    #[command(
        after_help = "Examples:\n  patchwarden sbom . -o bom.cdx.json\n  patchwarden sbom app/package-lock.json --format spdx -o app.spdx.json\n  patchwarden sbom rootfs/ --distro Debian:12\n  patchwarden sbom image.tar -o image.cdx.json"
    )]
    Sbom(inventory_cmd::SbomArgs),
    /// Manage the advisory database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Scan the bundled demo portfolio against the bundled demo advisories, into a fresh
    /// SQLite database, without network.
    #[command(
        after_help = "The demo writes a table or JSON; for the other report formats scan a demo project, e.g. `patchwarden scan examples/portfolio/storefront --advisories examples/advisories --format sarif`.\n\nExamples:\n  patchwarden demo\n  patchwarden demo --format json\n  patchwarden --database demo.db demo   # keep the demo database where you choose"
    )]
    Demo(DemoArgs),
    /// Inspect the version engine: compare versions, evaluate an advisory's ranges.
    #[command(subcommand)]
    Version(VersionCommand),
    /// Products: what the organisation ships; each has projects.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden product add shop --description 'the web shop'\n  patchwarden product add payments --policy payments/patchwarden.toml\n  patchwarden product set-policy shop policies/shop.toml\n  patchwarden product list --format json"
    )]
    Product(portfolio_cmd::ProductCommand),
    /// Projects (repositories, images) of a product; each recorded scan is an artifact.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden project add --product shop api\n  patchwarden project list --product shop"
    )]
    Project(portfolio_cmd::ProjectCommand),
    /// Recorded artifacts (one per `scan --record`).
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden artifact list --product shop --project api\n  patchwarden artifact show 12 --format json"
    )]
    Artifact(portfolio_cmd::ArtifactCommand),
    /// Environments artifacts are deployed to (test, production, custom).
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden env add prod-eu --kind production\n  patchwarden env add staging --kind test\n  patchwarden env list"
    )]
    Env(portfolio_cmd::EnvCommand),
    /// Record that an artifact was deployed to an environment. Deploying to a production
    /// environment an artifact without a fixed finding verifies the fix.
    #[command(
        after_help = "Examples:\n  patchwarden deploy 12 --env prod-eu --backup-confirmed --maintenance-window 'Tue 02:00-04:00 UTC'\n  patchwarden deploy 12 --env staging --at 2026-11-20T09:30:00Z"
    )]
    Deploy(portfolio_cmd::DeployArgs),
    /// Tracked findings: list with filters, show one with its history, and move it through
    /// its lifecycle (open → triaged → patching → fixed → verified; risk_accepted,
    /// not_affected, false_positive).
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden findings list --product shop --status active --severity high --severity critical\n  patchwarden findings list --overdue --format json\n  patchwarden findings list --kev\n  patchwarden findings show 42\n  patchwarden findings triage 42\n  patchwarden findings patch 42 --version 4.17.21 --pr https://git.example/shop/pull/7\n  patchwarden findings patch 42 --state tested\n  patchwarden findings accept 43 --approver 'CISO' --reason 'WAF rule 9001 blocks the vector' --expires 2027-02-28\n  patchwarden findings not-affected 44 --reason vulnerable_code_not_in_execute_path\n  patchwarden findings reopen 43 --reason 'WAF rule removed'\n\nSee docs/portfolio.md."
    )]
    Findings(portfolio_cmd::FindingsCommand),
    /// Exceptions kept in the database for a product or one of its projects.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden exception add --product shop --id CVE-2021-23337 --reason 'template input is constant' --approver 'AppSec lead' --expires 2027-03-31\n  patchwarden exception add --product shop --project api --package lodash --ecosystem npm --reason '...' --approver '...' --expires 2027-01-31\n  patchwarden exception list --product shop"
    )]
    Exception(portfolio_cmd::ExceptionCommand),
    /// Match every project's latest artifact again against the advisories now stored,
    /// without rescanning (`db import` and `db update` run it after importing).
    #[command(
        after_help = "New findings get first seen = now (or the product's earlier date); findings whose advisory was withdrawn, or whose ranges no longer cover the version, are closed as false_positive with the reason; stale images become findings.\n\nExamples:\n  patchwarden reevaluate\n  patchwarden reevaluate --format json"
    )]
    Reevaluate {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run the server: health endpoints (`/healthz`, `/readyz`) and the scheduled jobs
    /// (advisory update then re-evaluation, reminders, stale-image check), until SIGINT or
    /// SIGTERM stops it gracefully.
    #[command(
        after_help = "Several instances may share one PostgreSQL database: each scheduled slot of a job is claimed in the database and runs once. Jobs and the address come from the [serve] table of the configuration file (docs/config.md); the jobs send notifications through the [notify] channels and routes (docs/notifications.md). `patchwarden jobs run JOB` runs one job now.\n\nExamples:\n  patchwarden serve\n  patchwarden serve --listen 0.0.0.0:8080 --database postgres://pw@db/patchwarden\n  patchwarden serve --no-jobs            # an instance that only answers requests"
    )]
    Serve(serve_cmd::ServeArgs),
    /// Run a scheduled job now, in the foreground (for system cron and tests), exactly as
    /// `serve` runs it.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden jobs run reminders\n  patchwarden jobs run update\n  patchwarden jobs run stale-images --slot 2026-11-23T06:00:00Z\n\nSee docs/notifications.md for what each job sends."
    )]
    Jobs(jobs_cmd::JobsCommand),
    /// Notifications: check the channels of the [notify] configuration.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden notify test\n  patchwarden notify test --channel oncall-mail\n\nSee docs/notifications.md."
    )]
    Notify(jobs_cmd::NotifyCommand),
    /// Reviews of the patching process, held with the people who patch (the evidence of
    /// SAMM Patching and Updating's level 3 criterion "review and update the process").
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden review add --summary 'Patch windows clash with releases' --changes 'window moved to Tuesdays'\n  patchwarden review add --summary 'KEV alerts too slow' --reviewer 'AppSec lead' --date 2026-10-15\n  patchwarden review list\n  patchwarden review list --since 2026-01-01 --format json\n\nSee docs/samm.md."
    )]
    Review(review_cmd::ReviewCommand),
    /// Portfolio reports: SLA compliance of a period, the quarterly partner report, the SAMM
    /// self-assessment.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden report sla --from 2026-07-01 --to 2026-09-30 --output sla-q3.html\n  patchwarden report partner --partner acme --quarter 2026Q3 --format csaf\n  patchwarden report partner --partner acme --quarter 2026Q3 --send\n  patchwarden report samm --format json\n\nSee docs/reports.md."
    )]
    Report(report_cmd::ReportCommand),
    /// Partners who receive the quarterly partner report: their products, channel, opt-in,
    /// and the record of deliveries. See docs/partners.md.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden partner add acme --product shop --channel acme-hook --contact 'security@acme.example' --opt-in\n  patchwarden partner list\n  patchwarden partner set acme --product shop --product billing\n  patchwarden partner opt-out acme\n  patchwarden partner deliveries acme --format json\n\nReports go out with `patchwarden jobs run partner-reports` (scheduled daily by serve) or `patchwarden report partner --partner NAME --send`."
    )]
    Partner(partner_cmd::PartnerCommand),
    /// The audit log: every change with who, when, and the values before and after.
    #[command(
        after_help = "Examples:\n  patchwarden audit\n  patchwarden audit --finding 42\n  patchwarden audit --entity product --id 1 --format json"
    )]
    Audit(portfolio_cmd::AuditArgs),
    /// Users of `patchwarden serve`: roles (admin, maintainer, auditor, partner), product
    /// grants, passwords for the dashboard login. See docs/identity.md.
    #[command(
        subcommand,
        after_help = "Examples:\n  printf '%s\\n' \"$ADMIN_PASSWORD\" | patchwarden user add alice --role admin --password-stdin   # the first admin\n  patchwarden user add bob --role maintainer --grant shop --grant payments\n  patchwarden user add acme --role partner --grant shop\n  patchwarden user grant bob billing\n  patchwarden user revoke bob payments\n  patchwarden user password bob --password-stdin < password.txt\n  patchwarden user disable bob\n  patchwarden user list --format json\n\nPasswords are read from stdin, never from the command line, and must have at least 12 characters. Unknown users or products: exit 2."
    )]
    User(identity_cmd::UserCommand),
    /// API tokens for `patchwarden serve`: created for a user, shown once, stored hashed.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchwarden token create --user ci --name pipeline --expires 2027-06-30 > ci.token\n  patchwarden token list\n  patchwarden token list --user ci --format json\n  patchwarden token revoke 3\n\nThe token is printed once on stdout (a warning goes to stderr); lists show its first 8 characters only. --expires is the last day (UTC) it works."
    )]
    Token(identity_cmd::TokenCommand),
    /// Score CVSS vectors (2.0, 3.0, 3.1, 4.0): base, temporal and environmental scores and
    /// severity, one JSON object per line. Reads one vector per stdin line when none is given.
    #[command(
        after_help = "Output, one line per vector, keys in this order:\n  {\"vector\",\"version\",\"base\",\"temporal\",\"environmental\",\"score\",\"severity\"}\n  vector         the vector as given, trimmed\n  version        \"2.0\", \"3.0\", \"3.1\" or \"4.0\"\n  base           base score; 4.0: CVSS-B (threat and environmental metrics ignored)\n  temporal       null without a temporal metric other than X/ND; always null for 4.0\n  environmental  null without an environmental metric other than X/ND; always null for 4.0\n  score          2.0/3.x: environmental, else temporal, else base; 4.0: the whole vector\n  severity       of score: None, Low, Medium, High, Critical (2.0: NVD's Low/Medium/High)\nScores are numbers with one decimal. An invalid vector gives {\"vector\",\"error\"} on its line and the others are still scored. Blank stdin lines are skipped. See docs/cvss.md.\n\nExamples:\n  patchwarden cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'\n  patchwarden cvss 'AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/CDP:L'\n  patchwarden cvss 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'\n  cut -f2 advisories.tsv | patchwarden cvss     # one vector per line on stdin\n\nExit codes: 0 every vector was valid; 2 some vector was invalid (its line has \"error\"), or a usage error."
    )]
    Cvss {
        /// CVSS vectors (2.0 without prefix, others starting `CVSS:3.0/`, `CVSS:3.1/`,
        /// `CVSS:4.0/`). None: read one per line from stdin.
        #[arg(value_name = "VECTOR")]
        vectors: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum VersionCommand {
    /// Read `A<TAB>B` lines on stdin; write `<`, `=`, `>` or `error: <reason>` per line.
    /// Exits 0 even when some lines fail.
    #[command(
        after_help = "Ecosystems use their own ordering: npm, PyPI, crates.io, Go, Maven, NuGet, RubyGems, Packagist, Pub, Hex, Debian, Ubuntu, AlmaLinux, Rocky Linux, Red Hat, SUSE, openSUSE, Alpine, Wolfi, Chainguard, Bitnami, CRAN, Hackage, Julia, SwiftURL, GitHub Actions (release suffixes like Debian:12 allowed). Any other name uses a generic ordering, flagged as approximate on stderr.\n\nExamples:\n  printf '1.0rc1\\t1.0\\n' | patchwarden version compare --ecosystem PyPI\n  paste old.txt new.txt | patchwarden version compare --ecosystem Debian:12"
    )]
    Compare {
        /// OSV ecosystem name (`npm`, `PyPI`, `Debian:12`, ...).
        #[arg(long, short = 'e')]
        ecosystem: String,
    },
    /// Print `VERSION<TAB>affected|not-affected|error: ...` for each VERSION against the
    /// affected ranges an OSV advisory gives for the ecosystem.
    #[command(
        after_help = "Examples:\n  patchwarden version affected --ecosystem crates.io --advisory RUSTSEC-2021-0003.json 1.4.0 1.6.1\n  patchwarden version affected -e PyPI --advisory PYSEC-2021-142.json --package pyyaml 5.3 5.4"
    )]
    Affected {
        /// OSV ecosystem name.
        #[arg(long, short = 'e')]
        ecosystem: String,
        /// The OSV advisory (one JSON record).
        #[arg(long, value_name = "FILE.json")]
        advisory: PathBuf,
        /// Only the affected entries of this package (default: every package of the ecosystem).
        #[arg(long)]
        package: Option<String>,
        /// Versions to evaluate.
        #[arg(required = true, value_name = "VERSION")]
        versions: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Import feed files: OSV JSON files, directories of them or osv.dev all.zip archives;
    /// the CISA KEV catalog (JSON); EPSS scores (CSV or .csv.gz); NVD CVE API 2.0 responses.
    /// Each path is one source, imported in one transaction. Malformed OSV records are
    /// reported, skipped and counted; they do not stop the import.
    #[command(
        after_help = "The kind of each file is recognised from its name and content; --kind forces one.\n\nExamples:\n  patchwarden db import osv/crates-all.zip osv/PyPI-all.zip\n  patchwarden db import known_exploited_vulnerabilities.json epss_scores.csv.gz\n  patchwarden db import --kind nvd nvd-page-1.json\n  patchwarden db import --force osv/crates-all.zip   # re-read a file imported before"
    )]
    Import {
        /// Files, directories or .zip archives.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Feed kind for every path: osv, kev, epss or nvd (default: recognised per file).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Read every file again, even one byte-identical (same SHA-256) to the file its
        /// source last imported successfully; such files are skipped otherwise.
        #[arg(long)]
        force: bool,
        /// Do not re-evaluate the portfolio after importing.
        #[arg(long)]
        no_reevaluate: bool,
    },
    /// Download every configured feed (OSV per-ecosystem all.zip, CISA KEV, EPSS, NVD) with
    /// conditional requests and resumable transfers, and import what changed. A source that
    /// fails keeps its stored data; the command exits 2 when any source failed.
    #[command(
        after_help = "Sources and URLs come from the [intel] table of the configuration file (see docs/config.md); every URL may point at a mirror.\n\nExamples:\n  patchwarden db update\n  patchwarden --config mirror.toml db update --format json"
    )]
    Update {
        #[command(flatten)]
        output: OutputArgs,
        /// Where downloads are kept between runs (default: the user's cache directory).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Do not re-evaluate the portfolio after the update.
        #[arg(long)]
        no_reevaluate: bool,
    },
    /// Show every source (records, last successful update, age) and advisory counts per
    /// ecosystem; warn about OSV, KEV and EPSS sources older than the freshness limit.
    #[command(
        after_help = "Examples:\n  patchwarden db status\n  patchwarden db status --format json --freshness-hours 48"
    )]
    Status {
        #[command(flatten)]
        output: OutputArgs,
        /// Hours after which an OSV, KEV or EPSS source is stale (default: the configuration's
        /// `freshness_hours`, 24).
        #[arg(long, value_name = "HOURS")]
        freshness_hours: Option<i64>,
    },
    /// Show a vulnerability by any of its ids (CVE, GHSA, PYSEC, RUSTSEC, GO, distro ids):
    /// its advisories, affected packages, CVSS, KEV and EPSS.
    #[command(
        after_help = "Examples:\n  patchwarden db show CVE-2023-44487\n  patchwarden db show GHSA-qppj-fm5r-hxr3 --format json"
    )]
    Show {
        /// Any advisory id or alias.
        id: String,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// A table for people.
    Table,
    /// The JSON document described in docs/scan-json.md.
    Json,
}

/// What `scan` writes: the two formats every command has, and the report formats of
/// docs/scan-formats.md. A separate enum so that the commands that only write a table or
/// JSON (`db`, `inventory`, `demo`) do not offer formats they cannot write.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ScanFormat {
    /// A table for people, grouped by package, coloured on a terminal.
    Table,
    /// The JSON document described in docs/scan-json.md.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// CycloneDX 1.6 JSON: the components and their vulnerabilities with VEX analysis.
    #[value(name = "cyclonedx")]
    Cyclonedx,
    /// CSV, one row per finding (RFC 4180, LF line ends).
    Csv,
    /// GitHub-flavoured Markdown for a pull-request comment.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("destination").args(["record", "upload"]).multiple(false)))]
struct ScanArgs {
    /// Directory or lockfile to scan.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Import these OSV records (file, directory or all.zip) before scanning; a malformed
    /// record stops the scan with exit code 2.
    #[arg(long, value_name = "DIR|ZIP")]
    advisories: Vec<PathBuf>,
    #[command(flatten)]
    output: ScanOutputArgs,
    /// Policy file (default: the nearest patchwarden.toml at or above PATH).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// OpenVEX or CycloneDX VEX document whose not_affected/fixed statements close findings
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Fail the gate (exit 1) on an open finding of at least this severity; overrides the
    /// policy's fail_on.severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Do not read .trivyignore and osv-scanner.toml beside PATH.
    #[arg(long)]
    no_ignore_files: bool,
    /// Exit with this code when open findings exist and the gate passed (default: exit 0).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=255))]
    exit_code: Option<u8>,
    /// Record the scan in the portfolio as an artifact of --product/--project, and print
    /// what is new, still open and gone since the project's previous artifact.
    #[arg(long, requires_all = ["product", "project"])]
    record: bool,
    /// Send the scan (its JSON document, every component included) to the Patchwarden
    /// server at URL, which evaluates it and records it as an artifact of
    /// --product/--project; print what is new, still open and gone there. Needs an API token
    /// (--token or PATCHWARDEN_TOKEN). Local output and exit code are as without it; a
    /// failed upload exits 2.
    #[arg(long, value_name = "URL", requires_all = ["product", "project"])]
    upload: Option<String>,
    /// API token for --upload (`patchwarden token create`); prefer the environment variable,
    /// as a command line is visible to other users of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PATCHWARDEN_TOKEN",
        hide_env_values = true
    )]
    token: Option<upload::Token>,
    /// Seconds --upload may take, connecting included (default: 60).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600), requires = "upload")]
    upload_timeout: Option<u64>,
    /// Product to record into (created when missing).
    #[arg(long, requires = "destination")]
    product: Option<String>,
    /// Project to record into (created when missing).
    #[arg(long, requires = "destination")]
    project: Option<String>,
    /// Artifact id to record (default: the git commit of PATH, the image digest, or a
    /// digest of the component list).
    #[arg(long, value_name = "ID", requires = "destination")]
    artifact: Option<String>,
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ScanOutputArgs {
    /// Output format (see docs/scan-formats.md).
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: ScanFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct DemoArgs {
    #[command(flatten)]
    output: OutputArgs,
}

/// mimalloc instead of the system allocator: imports and scans allocate many small strings
/// across threads, where glibc's allocator measured about a tenth of the import's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Db(DbCommand::Import { .. } | DbCommand::Update { .. })
            | Command::Serve(_)
            | Command::Jobs(_)
    ) {
        no_huge_pages_for_short_commands();
    }
    init_logging(&cli.global, matches!(cli.command, Command::Serve(_)));
    // The server answers requests while a job runs: it gets worker threads; every other
    // command is one pipeline and runs on this thread.
    let runtime = if matches!(cli.command, Command::Serve(_)) {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("patchwarden: error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("patchwarden: error: {}", one_line(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Stops the kernel backing this process with transparent huge pages. mimalloc asks for
/// them (`madvise`), which suits the long imports and the server; a scan or an inventory
/// lives tens of milliseconds, and zeroing 2 MiB pages on first touch measured a third of its
/// CPU time (nushell's 446-crate Cargo.lock: 73 ms task-clock with, 49 ms without; perf stat).
fn no_huge_pages_for_short_commands() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes a flag of this
    // process; it touches no memory of ours. Failure (old kernels) leaves the default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Errors are one line: a multi-line cause is folded so scripts can grep it.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Logging on stderr. The server logs every request (info) by default; other commands only
/// warnings unless `-v`.
fn init_logging(global: &Global, server: bool) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 if server => "info",
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PATCHWARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if global.log_format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// The default database: `$XDG_DATA_HOME/patchwarden/patchwarden.db` on Linux, the platform's
/// data directory elsewhere.
fn default_database() -> Result<String> {
    let dirs = directories::ProjectDirs::from("", "", "patchwarden")
        .context("cannot find a home directory for the default database; pass --database")?;
    Ok(dirs
        .data_dir()
        .join("patchwarden.db")
        .to_string_lossy()
        .into_owned())
}

async fn open_store(global: &Global) -> Result<Store> {
    let target = match &global.database {
        Some(d) => d.clone(),
        None => default_database()?,
    };
    tracing::info!("database: {}", patchwarden_store::redact(&target));
    Ok(Store::open(&target).await?)
}

/// Now, RFC 3339 in UTC to the second. `PATCHWARDEN_NOW` (an RFC 3339 time) replaces the
/// clock, for tests and for replaying a past day (SLA clocks, acceptance expiry).
fn now_rfc3339() -> String {
    if let Ok(fixed) = std::env::var("PATCHWARDEN_NOW")
        && let Ok(t) =
            time::OffsetDateTime::parse(&fixed, &time::format_description::well_known::Rfc3339)
        && let Ok(text) = t
            .to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
    {
        return text;
    }
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&cli.global, args).await,
        Command::Inventory(args) => inventory_cmd::inventory(&cli.global, args),
        Command::Sbom(args) => inventory_cmd::sbom(&cli.global, args),
        Command::Db(DbCommand::Import {
            paths,
            kind,
            force,
            no_reevaluate,
        }) => db::import(&cli.global, &paths, kind.as_deref(), force, !no_reevaluate).await,
        Command::Db(DbCommand::Status {
            output,
            freshness_hours,
        }) => {
            let config = config::load(cli.global.config.as_deref())?;
            let hours = freshness_hours.unwrap_or(config.intel.freshness_hours);
            db::status(&cli.global, output.format, output.output, hours).await
        }
        Command::Db(DbCommand::Update {
            output,
            cache_dir,
            no_reevaluate,
        }) => {
            let config = config::load(cli.global.config.as_deref())?;
            db::update(
                &cli.global,
                &config.intel,
                output.format,
                output.output,
                cache_dir,
                !no_reevaluate,
            )
            .await
        }
        Command::Product(c) => portfolio_cmd::product(&cli.global, c).await,
        Command::Project(c) => portfolio_cmd::project(&cli.global, c).await,
        Command::Artifact(c) => portfolio_cmd::artifact(&cli.global, c).await,
        Command::Env(c) => portfolio_cmd::env(&cli.global, c).await,
        Command::Deploy(a) => portfolio_cmd::deploy(&cli.global, a).await,
        Command::Findings(c) => portfolio_cmd::findings(&cli.global, c).await,
        Command::Exception(c) => portfolio_cmd::exception(&cli.global, c).await,
        Command::Reevaluate { output } => portfolio_cmd::reevaluate(&cli.global, &output).await,
        Command::Audit(a) => portfolio_cmd::audit(&cli.global, a).await,
        Command::Review(c) => review_cmd::review(&cli.global, c).await,
        Command::Report(c) => report_cmd::report(&cli.global, c).await,
        Command::Partner(c) => partner_cmd::partner(&cli.global, c).await,
        Command::Serve(a) => serve_cmd::serve(&cli.global, a).await,
        Command::Jobs(c) => jobs_cmd::jobs(&cli.global, c).await,
        Command::Notify(c) => jobs_cmd::notify(&cli.global, c).await,
        Command::User(c) => identity_cmd::user(&cli.global, c).await,
        Command::Token(c) => identity_cmd::token(&cli.global, c).await,
        Command::Db(DbCommand::Show { id, output }) => {
            db::show(&cli.global, &id, output.format, output.output).await
        }
        Command::Demo(args) => demo::run(&cli.global, args).await,
        Command::Version(VersionCommand::Compare { ecosystem }) => {
            version_cmd::compare(
                &ecosystem,
                cli.global.quiet,
                std::io::stdin().lock(),
                std::io::stdout().lock(),
            )?;
            Ok(0)
        }
        Command::Cvss { vectors } => {
            cvss_cmd::run(&vectors, std::io::stdin().lock(), std::io::stdout().lock())
        }
        Command::Version(VersionCommand::Affected {
            ecosystem,
            advisory,
            package,
            versions,
        }) => {
            version_cmd::affected(
                &ecosystem,
                &advisory,
                package.as_deref(),
                &versions,
                cli.global.quiet,
                std::io::stdout().lock(),
            )?;
            Ok(0)
        }
    }
}

async fn scan(global: &Global, args: ScanArgs) -> Result<u8> {
    // Read the path first: a typo should not create a database.
    std::fs::metadata(&args.path).with_context(|| format!("{}", args.path.display()))?;
    // Check the upload's URL and token before scanning: a typo should not cost a scan.
    let upload = match (&args.upload, &args.product, &args.project) {
        (Some(url), Some(product), Some(project)) => Some(upload::Upload::new(
            url,
            product,
            project,
            args.artifact.as_deref(),
            git_commit(&args.path).as_deref(),
            args.token.as_ref(),
            args.upload_timeout.map(std::time::Duration::from_secs),
        )?),
        _ => None,
    };
    let evaluation = policy_files::load(
        &args.path,
        &policy_files::PolicyArgs {
            policy: args.policy.as_deref(),
            vex: &args.vex,
            fail_on: args.fail_on.as_deref(),
            ignore_files: !args.no_ignore_files,
        },
    )?;
    let store = open_store(global).await?;
    let now = now_rfc3339();
    for source in &args.advisories {
        let report =
            patchwarden_engine::import_advisories(&store, source, Strictness::Strict, &now).await?;
        tracing::info!(
            "{}: {} records, {} new, {} updated",
            source.display(),
            report.read,
            report.stats.inserted,
            report.stats.updated
        );
    }
    let mut result = patchwarden_engine::scan_with(&store, &args.path, &now, &evaluation).await?;
    if result.advisories_in_store == 0 && !global.quiet {
        eprintln!(
            "warning: the advisory database is empty: import advisories with `patchwarden db import` or pass --advisories"
        );
    }
    match (&args.product, &args.project) {
        (Some(product), Some(project)) if args.record => {
            let commit = git_commit(&args.path);
            let scan_json = patchwarden_report::json(&result).to_string();
            let actor = portfolio_cmd::actor(global);
            let summary = patchwarden_engine::portfolio::record(
                &store,
                &mut result,
                &evaluation,
                &patchwarden_engine::portfolio::RecordTarget {
                    product,
                    project,
                    artifact: args.artifact.as_deref(),
                    commit: commit.as_deref(),
                    actor: &actor,
                },
                &scan_json,
            )
            .await?;
            if !global.quiet && !matches!(args.output.format, ScanFormat::Table | ScanFormat::Json)
            {
                eprint!("{}", patchwarden_report::record_summary(&summary));
            }
            result.record = Some(summary);
        }
        _ => record(&store, &result).await?,
    }
    // The upload's failure is reported after the local report is written: CI keeps it.
    let mut upload_failure = None;
    if let Some(upload) = &upload {
        let body = patchwarden_report::json(&result).to_string().into_bytes();
        match upload.send(body).await {
            Ok(answer) => {
                if !global.quiet {
                    eprintln!(
                        "Uploaded the scan to {} ({}): {} active finding{} in {}/{}",
                        upload.url(),
                        answer.format,
                        answer.findings_active,
                        if answer.findings_active == 1 { "" } else { "s" },
                        answer.record.product,
                        answer.record.project
                    );
                    if !matches!(args.output.format, ScanFormat::Table | ScanFormat::Json) {
                        eprint!("{}", patchwarden_report::record_summary(&answer.record));
                    }
                }
                result.record = Some(answer.record);
            }
            Err(e) => upload_failure = Some(e),
        }
    }
    emit(global, &args.output, &result)?;
    store.close().await;
    if let Some(e) = upload_failure {
        return Err(e);
    }
    Ok(if !result.gate.passed {
        EXIT_GATE_FAILED
    } else {
        match args.exit_code {
            Some(code) if result.open_findings().next().is_some() => code,
            _ => 0,
        }
    })
}

/// The commit checked out in the git work tree holding `path`, read from `.git` without
/// running git (HEAD, then the loose ref or `packed-refs`).
fn git_commit(path: &Path) -> Option<String> {
    let start = std::fs::canonicalize(path).ok()?;
    let git = start
        .ancestors()
        .map(|d| d.join(".git"))
        .find(|g| g.is_dir())?;
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let is_hash = |s: &str| s.len() >= 40 && s.chars().all(|c| c.is_ascii_hexdigit());
    let Some(reference) = head.strip_prefix("ref: ") else {
        return is_hash(head).then(|| head.to_string());
    };
    if reference.split('/').any(|p| p == ".." || p.is_empty()) {
        return None;
    }
    if let Ok(loose) = std::fs::read_to_string(git.join(reference)) {
        let loose = loose.trim();
        return is_hash(loose).then(|| loose.to_string());
    }
    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (hash, name) = line.split_once(' ')?;
        (name == reference && is_hash(hash)).then(|| hash.to_string())
    })
}

/// Keeps the scan in the database's history.
async fn record(store: &Store, result: &ScanResult) -> Result<()> {
    let json = patchwarden_report::json(result).to_string();
    store
        .record_scan(&ScanRecord {
            target: &result.target,
            scanned_at: &result.scanned_at,
            components: i64::try_from(result.components.len()).unwrap_or(i64::MAX),
            findings: i64::try_from(result.findings.len()).unwrap_or(i64::MAX),
            result: &json,
        })
        .await?;
    Ok(())
}

/// Prints warnings to stderr and the report to stdout or `--output`.
fn emit(global: &Global, output: &ScanOutputArgs, result: &ScanResult) -> Result<()> {
    if !global.quiet {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
        for p in &result.problems {
            eprintln!(
                "warning: {} could not be evaluated for {} {} ({}): {}",
                p.advisory_id,
                p.component.name,
                p.component.version,
                p.component.source.path,
                p.message
            );
        }
    }
    let text = match output.format {
        ScanFormat::Table => {
            let terminal = output.output.is_none() && std::io::stdout().is_terminal();
            let colour = terminal && std::env::var_os("NO_COLOR").is_none();
            patchwarden_report::table_styled(result, terminal, colour)
        }
        ScanFormat::Json => {
            let mut s = serde_json::to_string_pretty(&patchwarden_report::json(result))?;
            s.push('\n');
            s
        }
        ScanFormat::Sarif => patchwarden_report::sarif(result),
        ScanFormat::Cyclonedx => patchwarden_report::cyclonedx(result),
        ScanFormat::Csv => patchwarden_report::csv(result),
        ScanFormat::Markdown => patchwarden_report::markdown(result),
        ScanFormat::Html => patchwarden_report::html(result),
    };
    write_output(output.output.as_deref(), &text)
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("{}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}
