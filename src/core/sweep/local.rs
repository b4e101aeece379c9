//! The local executor: the sweep's runs as up to N concurrent `cadet sweep run-task` processes
//! of the same binary on this machine, each logging to `R/logs/NAME.log`; and cancelling them by
//! the process ids their tasks recorded.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::plan::{Submission, Sweep};
use super::task::task_pid_path;
use super::tool::{DEFAULT_TIMEOUT, run_tool};
use super::{SweepError, file_error};

/// What the local executor reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum LocalEvent {
    Started { index: usize, pid: u32 },
    Ended { index: usize, success: bool },
}

fn spawn_task(sweep: &Sweep, exe: &Path, index: usize) -> Result<Child, SweepError> {
    let logs = sweep.dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| file_error(&logs, e))?;
    let name = sweep.runs.get(index).map_or_else(|| index.to_string(), |r| r.name.clone());
    let log_path = logs.join(format!("{name}.log"));
    let log = OpenOptions::new().create(true).append(true).open(&log_path).map_err(|e| file_error(&log_path, e))?;
    let err = log.try_clone().map_err(|e| file_error(&log_path, e))?;
    Command::new(exe)
        .arg("sweep")
        .arg("run-task")
        .arg(&sweep.dir)
        .arg("--index")
        .arg(index.to_string())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| SweepError::Other(format!("cannot start {}: {e}", exe.display())))
}

/// Runs `indices` with at most `jobs` processes at once and waits for all of them; `cancel`
/// stops starting new ones (running ones are ended with `cancel_local`). Records the
/// submission. Returns the indices whose process failed.
pub fn run_local(
    sweep: &mut Sweep,
    exe: &Path,
    indices: &[usize],
    jobs: usize,
    cancel: Arc<AtomicBool>,
    on_event: &mut dyn FnMut(LocalEvent),
) -> Result<Vec<usize>, SweepError> {
    let submitted_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    sweep.record(Submission {
        executor: "local".into(),
        job_id: None,
        indices: indices.to_vec(),
        script: None,
        submitted_unix,
    })?;
    let mut queue: VecDeque<usize> = indices.iter().copied().collect();
    let mut running: Vec<(usize, Child)> = Vec::new();
    let mut failed = Vec::new();
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < jobs.max(1) && !cancel.load(Ordering::Relaxed) {
            let Some(index) = queue.pop_front() else { break };
            let child = spawn_task(sweep, exe, index)?;
            on_event(LocalEvent::Started { index, pid: child.id() });
            running.push((index, child));
        }
        if cancel.load(Ordering::Relaxed) {
            queue.clear();
        }
        let mut still = Vec::with_capacity(running.len());
        for (index, mut child) in running {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if !status.success() {
                        failed.push(index);
                    }
                    on_event(LocalEvent::Ended { index, success: status.success() });
                }
                Ok(None) => still.push((index, child)),
                Err(e) => return Err(SweepError::Other(format!("run {index}: {e}"))),
            }
        }
        running = still;
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(failed)
}

/// The process id and host a running task wrote (`PID HOST`).
pub fn read_task_pid(sweep_dir: &Path, index: usize) -> Option<(u32, String)> {
    let text = std::fs::read_to_string(task_pid_path(sweep_dir, index)).ok()?;
    let mut parts = text.split_whitespace();
    let pid = parts.next()?.parse().ok()?;
    Some((pid, parts.next().unwrap_or("").to_string()))
}

/// Whether a recorded local task still runs (its pid is alive on this host).
pub fn task_alive(sweep_dir: &Path, index: usize) -> bool {
    let host = hostname();
    read_task_pid(sweep_dir, index)
        .is_some_and(|(pid, h)| h == host && Path::new("/proc").join(pid.to_string()).exists())
}

/// This machine's name, for the pid files of tasks.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// Ends the sweep's local task processes on this host (SIGTERM); returns their run indices.
pub fn cancel_local(sweep: &Sweep) -> Result<Vec<usize>, SweepError> {
    let mut ended = Vec::new();
    for index in 0..sweep.runs.len() {
        if task_alive(&sweep.dir, index)
            && let Some((pid, _)) = read_task_pid(&sweep.dir, index)
            && terminate(pid, || task_alive(&sweep.dir, index))?
        {
            ended.push(index);
        }
    }
    Ok(ended)
}

/// Sends SIGTERM to `pid`; returns whether it was sent. A process that ends between the check
/// and the signal (a Slurm task that `scancel` is ending, a task that just finished) is not an
/// error: `kill` fails, `still_alive` says it is gone, and nothing was sent.
fn terminate(pid: u32, still_alive: impl Fn() -> bool) -> Result<bool, SweepError> {
    match run_tool("kill", &[pid.to_string()], DEFAULT_TIMEOUT, "the `kill` program (procps) is needed") {
        Ok(_) => Ok(true),
        Err(SweepError::ToolFailed { .. }) if !still_alive() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The sweep's tasks alive on this host, as the scheduler would report them.
pub fn local_tasks(sweep: &Sweep) -> std::collections::HashMap<usize, super::state::SchedulerInfo> {
    (0..sweep.runs.len())
        .filter(|&i| task_alive(&sweep.dir, i))
        .map(|i| (i, super::state::SchedulerInfo { state: "RUNNING".into(), node: Some(hostname()), reason: None }))
        .collect()
}

/// Plans `grid` into `dir` and runs, here, every run that is missing, failed or interrupted,
/// `jobs` at a time (what the workbench's "run as a sweep" does, on its own thread). Returns the
/// indices whose process failed.
pub fn plan_and_run_local(
    dir: &Path,
    mut grid: super::Grid,
    exe: &Path,
    jobs: usize,
    cancel: Arc<AtomicBool>,
) -> Result<Vec<usize>, SweepError> {
    grid.base.study = std::path::absolute(&grid.base.study).map_err(|e| file_error(&grid.base.study, e))?;
    if let Some(ild) = &grid.ild_study {
        grid.ild_study = Some(std::path::absolute(ild).map_err(|e| file_error(ild, e))?);
    }
    let dir = std::path::absolute(dir).map_err(|e| file_error(dir, e))?;
    let mut sweep = Sweep::plan(&dir, grid)?;
    let todo: Vec<usize> = super::sweep_status(&sweep, &local_tasks(&sweep))
        .iter()
        .filter(|r| r.state.needs_submission())
        .map(|r| r.index)
        .collect();
    run_local(&mut sweep, exe, &todo, jobs, cancel, &mut |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_gone_before_its_signal_is_not_an_error() {
        // above the largest pid_max Linux allows (2^22), so no process has it
        let gone = (1 << 22) + 1;
        assert!(!terminate(gone, || false).unwrap());
        let failed = terminate(gone, || true).unwrap_err();
        assert!(matches!(failed, SweepError::ToolFailed { .. }), "{failed}");
        let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
        assert!(terminate(sleeper.id(), || true).unwrap());
        assert!(!sleeper.wait().unwrap().success());
    }
}
