//! Finding engine libraries in the configured plugin directories (and nowhere else).

use std::path::{Path, PathBuf};

/// The shared libraries directly inside `dir` (not in subdirectories), sorted by path. A
/// directory that does not exist holds nothing; it is not an error.
pub fn scan(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut libraries = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let is_library = path.extension().is_some_and(|ext| ext == std::env::consts::DLL_EXTENSION);
        if is_library && path.is_file() {
            libraries.push(path);
        }
    }
    libraries.sort();
    Ok(libraries)
}

/// The library for the bare name `name` (`edp_engine_local` → `libedp_engine_local.so` on
/// Linux) in the first plugin directory that has it.
pub fn find_by_name(name: &str, plugin_dirs: &[PathBuf]) -> Option<PathBuf> {
    let file_name = libloading::library_filename(name);
    plugin_dirs.iter().map(|dir| dir.join(&file_name)).find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_only_libraries_at_the_top_of_the_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lib = dir.path().join(libloading::library_filename("one"));
        std::fs::write(&lib, b"").expect("write");
        std::fs::write(dir.path().join("notes.txt"), b"").expect("write");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub").join(libloading::library_filename("two")), b"").expect("write");
        assert_eq!(scan(dir.path()).expect("scan"), std::slice::from_ref(&lib));
        assert_eq!(find_by_name("one", &[dir.path().join("nope"), dir.path().to_owned()]), Some(lib));
        assert_eq!(find_by_name("two", &[dir.path().to_owned()]), None);
        assert_eq!(scan(&dir.path().join("missing")).expect("missing is empty"), Vec::<PathBuf>::new());
    }
}
