//! The `plugins.toml` the server runs with: the mock engine for every cluster type, one
//! token, and the mock's launch log.

use std::path::{Path, PathBuf};

/// The environment variable that carries the token to the server.
pub(crate) const TOKEN_ENV: &str = "EDP_TOKEN";

/// What varies between scenarios.
#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    /// Where `libedp_engine_mock.so` is.
    pub(crate) plugin_dir: PathBuf,
    /// The mock engine's launch log (one `job id<TAB>engine job id` line per launch).
    pub(crate) launch_log: PathBuf,
    /// How long a mock job runs before it SUCCEEDS.
    pub(crate) run_ms: u64,
    /// How often the server polls active jobs.
    pub(crate) poll_interval_secs: f64,
}

impl ServerConfig {
    /// The file's text.
    pub(crate) fn to_toml(&self) -> String {
        format!(
            "[host]\n\
             data_dir = \"data\"\n\
             plugin_dirs = [{plugin_dir}]\n\
             poll_interval_secs = {poll:?}\n\
             \n\
             [engines.mock.config]\n\
             launch_log = {launch_log}\n\
             script = {{ run_ms = {run_ms} }}\n\
             \n\
             [[routes]]\n\
             cluster_type = \"*\"\n\
             engine = \"mock\"\n\
             \n\
             [[auth.tokens]]\n\
             project = \"load\"\n\
             role = \"member\"\n\
             token_env = \"{TOKEN_ENV}\"\n",
            plugin_dir = toml_string(&self.plugin_dir),
            poll = self.poll_interval_secs,
            launch_log = toml_string(&self.launch_log),
            run_ms = self.run_ms,
        )
    }

    /// Writes the file into `dir` and returns its path.
    pub(crate) fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let path = dir.join("plugins.toml");
        std::fs::write(&path, self.to_toml())?;
        Ok(path)
    }
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            control if control.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(control))),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_mock_route_the_token_and_the_script() {
        let config = ServerConfig {
            plugin_dir: "/opt/a \"b\"".into(),
            launch_log: "/tmp/launches.tsv".into(),
            run_ms: 200,
            poll_interval_secs: 0.3,
        };
        let text = config.to_toml();
        assert!(text.contains("plugin_dirs = [\"/opt/a \\\"b\\\"\"]"), "{text}");
        assert!(text.contains("poll_interval_secs = 0.3\n"), "{text}");
        assert!(text.contains("script = { run_ms = 200 }"), "{text}");
        assert!(text.contains("token_env = \"EDP_TOKEN\""), "{text}");
        let whole = ServerConfig { poll_interval_secs: 3600.0, ..config };
        assert!(whole.to_toml().contains("poll_interval_secs = 3600.0\n"));
    }
}
