//! Shared helpers: the real data in `../shared`, temporary folders, running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/data` beside the project, or `None` (tests that need it then skip).
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    dir.is_dir().then_some(dir)
}

/// Returns the shared data folder or prints why the calling test is skipped.
#[macro_export]
macro_rules! require_shared_data {
    () => {
        match $crate::common::shared_data() {
            Some(dir) => dir,
            None => {
                eprintln!("skipped: ../shared/data is absent");
                return;
            }
        }
    };
}

/// Runs the `cadet` binary with arguments.
pub fn cadet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cadet")).args(args).output().expect("the cadet binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
