//! The configuration file: `--config FILE`, else `$XDG_CONFIG_HOME/patchwarden/config.toml`
//! when it exists, else built-in defaults. See `docs/config.md`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use patchwarden_engine::update::IntelConfig;
use patchwarden_notify::{NotifyConfig, Rules};
use serde::Deserialize;

/// Everything the configuration file may hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Advisory feeds and freshness.
    pub intel: IntelConfig,
    /// `patchwarden serve`: address and scheduled jobs.
    pub serve: crate::serve_cmd::ServeConfig,
    /// Notification channels and routes (docs/notifications.md).
    pub notify: NotifyConfig,
    /// Reports: who publishes them (docs/partners.md).
    pub report: patchwarden_server::partners::ReportConfig,
}

impl Config {
    /// The publisher of the reports, from the `[report]` table.
    pub fn publisher(&self) -> Result<patchwarden_report::portfolio::Publisher> {
        self.report
            .publisher()
            .map_err(|e| anyhow!("configuration: {e}"))
    }

    /// The `[notify]` table checked into routing rules (empty when the table is absent:
    /// nothing is sent).
    pub fn notify_rules(&self) -> Result<Rules> {
        Rules::new(self.notify.clone()).map_err(|e| anyhow!("configuration [notify]: {e}"))
    }
}

/// The default configuration file location.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "patchwarden")
        .map(|d| d.config_dir().join("config.toml"))
}

/// Loads the configuration: an explicit file must exist; the default one is optional.
pub fn load(explicit: Option<&Path>) -> Result<Config> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path().filter(|p| p.is_file()) {
            Some(p) => p,
            None => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    toml::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_keep_defaults_and_typos_are_errors() {
        let c: Config = toml::from_str("[intel]\nkev_url = \"http://m.invalid/kev.json\"\n")
            .unwrap_or_default();
        assert_eq!(c.intel.kev_url, "http://m.invalid/kev.json");
        assert_eq!(c.intel.freshness_hours, 24);
        assert!(toml::from_str::<Config>("[intel]\nkev_ur = \"x\"\n").is_err());
    }

    #[test]
    fn notify_table_becomes_rules() {
        let c: Config = toml::from_str(
            "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nsecret = \"k\"\n\n[[notify.routes]]\nproducts = [\"shop\"]\nchannel = \"hook\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let rules = c.notify_rules().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rules.channels.len(), 1);
        assert_eq!(rules.routes.len(), 1);
        assert!(
            Config::default()
                .notify_rules()
                .is_ok_and(|r| r.channels.is_empty())
        );
        let bad: Config = toml::from_str("[[notify.routes]]\nchannel = \"nope\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = bad.notify_rules().map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            err,
            "configuration [notify]: notify route 1 names channel `nope`, which is not in [notify.channels]"
        );
    }
}
