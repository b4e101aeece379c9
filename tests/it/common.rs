//! Shared helpers: the real data in `../shared`, temporary folders, running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/data` beside the project, or `None` (tests that need it then skip).
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    dir.is_dir().then_some(dir)
}

/// Says why the calling test does not run. libtest would count it as passed, so when
/// `CADET_SKIP_LOG` names a file (`.ci/run` sets it) the test's name and the reason are
/// appended there too, and CI lists what it did not test.
pub fn skip(why: &str) {
    eprintln!("skipped: {why}");
    if let Some(log) = std::env::var_os("CADET_SKIP_LOG") {
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("(unnamed test)").to_string();
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{test}: {why}"));
        if let Err(e) = written {
            eprintln!("cannot append to CADET_SKIP_LOG {}: {e}", Path::new(&log).display());
        }
    }
}

/// Returns the shared data folder, or records the calling test as skipped and returns.
#[macro_export]
macro_rules! require_shared_data {
    () => {
        match $crate::common::shared_data() {
            Some(dir) => dir,
            None => {
                $crate::common::skip("../shared/data is absent");
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

/// The bundled synthetic study.
pub fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic")
}

/// A one-epoch CifarNet run on the sample study, trained once per test binary and shared by the
/// tests that only read it (its folder lives in cargo's test scratch space).
pub fn tiny_run() -> &'static Path {
    static RUN: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, dir) = RUN.get_or_init(|| {
        let runs = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a scratch folder");
        let mut c =
            cadet::core::train::TrainConfig::paper_defaults(&sample_study(), cadet::core::models::ModelKind::Cifarnet);
        c.runs_dir = runs.path().to_path_buf();
        c.name = "tiny".into();
        c.epochs = 1;
        c.batch = 64;
        c.views_per_candidate = 2;
        c.val_views = 1;
        c.device = cadet::core::train::DeviceChoice::Cpu;
        let start = cadet::core::train::Start::New(Box::new(c));
        let dir = cadet::core::train::train_blocking(start, &mut |_| {}).expect("the tiny run trains");
        (runs, dir)
    });
    dir
}
