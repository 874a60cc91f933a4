//! A job's binaries: fetched through the host's services into the job's work directory, or,
//! for Spark applications whose binaries live where Spark reads them itself (`hdfs://`,
//! `https://`, `s3a://`, ...), handed to Spark as URLs.

use edp_plugin_api::abi_stable::std_types::RString;
use edp_plugin_api::{EngineError, Host};
use edp_process_supervisor::workdir::{self, Binary, JobDir};

use crate::plan::Location;

/// URL schemes Spark fetches by itself (through Hadoop's file systems or HTTP).
const SPARK_READABLE: [&str; 11] = [
    "hdfs://",
    "webhdfs://",
    "http://",
    "https://",
    "s3://",
    "s3a://",
    "gs://",
    "abfs://",
    "abfss://",
    "wasb://",
    "wasbs://",
];

/// A binary of the job, where the job finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetched {
    /// The binary's file name.
    pub(crate) name: String,
    /// Where it is.
    pub(crate) location: Location,
    /// Its bytes, when they were fetched.
    pub(crate) data: Option<Vec<u8>>,
}

/// Whether Spark reads `url` itself.
pub(crate) fn spark_readable(url: &str) -> bool {
    SPARK_READABLE.iter().any(|scheme| url.starts_with(scheme))
}

/// The names of the binaries `ids`, checked, without fetching anything.
pub(crate) fn names(host: &Host, ids: &[RString]) -> Result<Vec<String>, EngineError> {
    ids.iter()
        .map(|id| {
            let binary = host.job_binary(id)?;
            workdir::validate_binary_name(&binary.name)?;
            Ok(binary.name.into_string())
        })
        .collect()
}

/// The binaries `ids` (mains then libs), in order. With `urls_ok`, binaries Spark reads itself
/// stay URLs; the others are fetched into `dir`, the first made executable when
/// `first_executable` (a Shell job's script).
pub(crate) fn fetch(
    host: &Host,
    dir: &JobDir,
    ids: &[RString],
    urls_ok: bool,
    first_executable: bool,
) -> Result<Vec<Fetched>, EngineError> {
    let mut fetched = Vec::with_capacity(ids.len());
    let mut local = Vec::new();
    for id in ids {
        let binary = host.job_binary(id)?;
        workdir::validate_binary_name(&binary.name)?;
        if urls_ok && spark_readable(&binary.url) {
            let location = Location::Url(binary.url.into_string());
            fetched.push(Fetched { name: binary.name.into_string(), location, data: None });
        } else {
            let data = host.job_binary_data(id)?;
            local.push((fetched.len(), Binary { name: binary.name.to_string(), data }));
            fetched.push(Fetched {
                name: binary.name.into_string(),
                location: Location::Url(String::new()),
                data: None,
            });
        }
    }
    let binaries: Vec<Binary> = local.iter().map(|(_, binary)| binary.clone()).collect();
    let executable = first_executable && local.first().is_some_and(|(index, _)| *index == 0);
    let paths = dir.write_binaries(&binaries, executable)?;
    for ((index, binary), path) in local.into_iter().zip(paths) {
        fetched[index].location = Location::Local(path);
        fetched[index].data = Some(binary.data);
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_reads_remote_file_systems_but_not_the_hosts_database() {
        for url in ["hdfs://nn:8020/a.jar", "https://repo/a.jar", "s3a://bucket/a.py"] {
            assert!(spark_readable(url), "{url}");
        }
        for url in ["internal-db://1234", "swift://c/o", "file:/etc/passwd", "/tmp/a.jar", ""] {
            assert!(!spark_readable(url), "{url}");
        }
    }
}
