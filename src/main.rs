//! The `cadet` binary: the workbench when run without a subcommand, headless tools otherwise.

use clap::Parser;

use cadet::cli::{Cli, run};

fn main() -> std::process::ExitCode {
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
