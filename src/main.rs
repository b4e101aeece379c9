//! The `cadet` binary: the workbench when run without a subcommand, headless tools otherwise.

use clap::Parser;

use cadet::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => run(command),
        None => open_workbench(cli.path),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "gui")]
fn open_workbench(path: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    cadet::gui::run(path)
}

#[cfg(not(feature = "gui"))]
fn open_workbench(_path: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!(
        "this cadet was built without the workbench (feature `gui`); run `cadet --help` for the headless commands"
    )
}

/// Training frees and reallocates the same large activation buffers every step. By default
/// glibc serves each one with a fresh `mmap` and returns it with `munmap` (page faults, zeroing
/// and cross-core TLB flushes: about a sixth of a CifarNet step on the CPU), and trims its heap
/// on every free; keeping freed memory below these sizes lets the next step reuse it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    const MMAP_THRESHOLD: i32 = 32 << 20; // glibc's largest on 64-bit systems
    const TRIM_THRESHOLD: i32 = 256 << 20;
    // SAFETY: mallopt only sets allocator parameters; it runs first in main, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
