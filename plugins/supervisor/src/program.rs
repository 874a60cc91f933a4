//! Finding the programs a job needs, as `PATH` lookup would.

use std::path::{Path, PathBuf};

use rustix::fs::Access;

/// Where `program` is: itself if it has a `/`, else the first executable match in `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let search = std::env::var_os("PATH")?;
    std::env::split_paths(&search).map(|dir| dir.join(program)).find(|path| is_executable(path))
}

/// Whether `path` is a file this process may execute.
pub fn is_executable(path: &Path) -> bool {
    path.is_file() && rustix::fs::access(path, Access::EXEC_OK).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_programs_by_path_and_by_name() {
        assert_eq!(find_program("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert!(find_program("sh").is_some());
        assert_eq!(find_program("/no/such/program"), None);
        assert_eq!(find_program("edp-no-such-program-x"), None);
    }
}
