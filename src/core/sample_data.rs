//! Where the bundled sample data (a synthetic study and a real chest CT) is found, for the
//! command line and the workbench alike.

use std::path::PathBuf;

/// Where the bundled sample data lives: `$CADET_SAMPLE_DATA`, `sample_data/` beside the
/// executable, or the source tree's `sample_data/` (for `cargo run`).
pub fn sample_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CADET_SAMPLE_DATA") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(|p| p.join("sample_data")))
        && dir.is_dir()
    {
        return dir;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}
