//! The Slurm executor, through Slurm's own tools: one batch script and one job array per
//! submission (`sbatch --parsable`), task states from `squeue --json` (or its `--format` output
//! where JSON is unsupported) and `sacct --parsable2` (when accounting is on), `scancel`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::plan::{Submission, Sweep};
use super::state::SchedulerInfo;
use super::tool::{DEFAULT_TIMEOUT, run_tool};
use super::{SweepError, file_error};

const HINT: &str = "the Slurm client tools (sbatch, squeue, sacct, scancel) must be installed and configured \
                    on this machine; use --executor local to run the sweep here";

/// What every array task asks Slurm for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlurmOptions {
    pub partition: Option<String>,
    /// Wall-time limit, in Slurm's format (e.g. `12:00:00`).
    pub time: Option<String>,
    /// Generic resources, e.g. `gpu:1`.
    pub gres: Option<String>,
    pub cpus_per_task: Option<usize>,
    /// Memory per node, in Slurm's format (e.g. `16G`).
    pub mem: Option<String>,
    /// Requeue a task Slurm kills (node failure, preemption); it continues from its checkpoint.
    pub requeue: bool,
    /// More `sbatch` options, given as they are (e.g. `--account=lab`).
    pub extra: Vec<String>,
}

/// Array indices in Slurm's compact form: `0-2,5,7-8`.
pub fn array_spec(indices: &[usize]) -> String {
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { sorted[i].to_string() } else { format!("{}-{}", sorted[i], sorted[j]) });
        i = j + 1;
    }
    parts.join(",")
}

/// The indices of an array spec such as `0-2,5,7-9%2` (a `%` throttle is ignored).
pub fn expand_array_spec(spec: &str) -> Vec<usize> {
    let spec = spec.split('%').next().unwrap_or("");
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let range = match part.split_once('-') {
            Some((a, b)) => a.parse::<usize>().ok().zip(b.parse::<usize>().ok()),
            None => part.parse::<usize>().ok().map(|a| (a, a)),
        };
        if let Some((a, b)) = range {
            out.extend(a..=b);
        }
    }
    out
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The batch script of one submission: each array task runs `cadet sweep run-task` on its index.
pub fn batch_script(exe: &Path, sweep_dir: &Path, indices: &[usize], options: &SlurmOptions) -> String {
    let logs = sweep_dir.join("slurm").join("logs");
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        "#SBATCH --job-name=cadet-sweep".to_string(),
        format!("#SBATCH --array={}", array_spec(indices)),
        format!("#SBATCH --output={}/%A_%a.out", logs.display()),
    ];
    let mut option = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            lines.push(format!("#SBATCH --{name}={v}"));
        }
    };
    option("partition", options.partition.clone());
    option("time", options.time.clone());
    option("gres", options.gres.clone());
    option("cpus-per-task", options.cpus_per_task.map(|c| c.to_string()));
    option("mem", options.mem.clone());
    lines.push(if options.requeue { "#SBATCH --requeue" } else { "#SBATCH --no-requeue" }.to_string());
    for extra in &options.extra {
        lines.push(format!("#SBATCH {extra}"));
    }
    lines.push(String::new());
    lines.push(format!(
        "exec {} sweep run-task {} --index \"$SLURM_ARRAY_TASK_ID\"",
        quote(&exe.display().to_string()),
        quote(&sweep_dir.display().to_string())
    ));
    lines.join("\n") + "\n"
}

/// Writes the script of a new submission and submits it as one job array; records the job id.
pub fn submit(sweep: &mut Sweep, exe: &Path, indices: &[usize], options: &SlurmOptions) -> Result<String, SweepError> {
    let slurm_dir = sweep.dir.join("slurm");
    std::fs::create_dir_all(slurm_dir.join("logs")).map_err(|e| file_error(&slurm_dir, e))?;
    let script: PathBuf = slurm_dir.join(format!("submit-{}.sh", sweep.submissions.len() + 1));
    std::fs::write(&script, batch_script(exe, &sweep.dir, indices, options)).map_err(|e| file_error(&script, e))?;
    let out = run_tool("sbatch", &["--parsable".into(), script.display().to_string()], DEFAULT_TIMEOUT, HINT)?;
    // `--parsable` prints `jobid` or `jobid;cluster`
    let job_id = out.trim().split(';').next().unwrap_or("").to_string();
    if job_id.is_empty() || !job_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SweepError::Parse { command: "sbatch --parsable".into(), detail: format!("job id {out:?}") });
    }
    let submitted_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    sweep.record(Submission {
        executor: "slurm".into(),
        job_id: Some(job_id.clone()),
        indices: indices.to_vec(),
        script: Some(script),
        submitted_unix,
    })?;
    Ok(job_id)
}

/// A JSON field that is a plain value (Slurm 22.05) or `{"set": true, "number": n}` (23.11+).
fn json_number(v: &serde_json::Value) -> Option<u64> {
    v.as_u64().or_else(|| v.get("number").and_then(serde_json::Value::as_u64))
}

/// A JSON state that is a string (22.05) or a list of strings (23.02+).
fn json_state(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_string).or_else(|| v.as_array()?.first()?.as_str().map(str::to_string))
}

/// Array tasks of the given jobs in `squeue --json` output, by task index.
pub fn parse_squeue_json(text: &str, job_ids: &[String]) -> Result<HashMap<usize, SchedulerInfo>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let jobs = value.get("jobs").and_then(serde_json::Value::as_array).ok_or("no `jobs` list")?;
    let mut tasks = HashMap::new();
    for job in jobs {
        let Some(array) = job.get("array_job_id").and_then(json_number).map(|n| n.to_string()) else { continue };
        if !job_ids.contains(&array) {
            continue;
        }
        // a pending array is one record listing its tasks (`0-3,7%2`) until they start
        let indices = match job.get("array_task_id").and_then(json_number) {
            Some(index) => vec![index as usize],
            None => job.get("array_task_string").and_then(|s| s.as_str()).map(expand_array_spec).unwrap_or_default(),
        };
        let state = job.get("job_state").and_then(json_state).unwrap_or_default();
        let node = job.get("nodes").and_then(|n| n.as_str()).filter(|n| !n.is_empty()).map(str::to_string);
        let reason = job.get("state_reason").and_then(|r| r.as_str()).filter(|r| *r != "None").map(str::to_string);
        for index in indices {
            tasks.insert(index, SchedulerInfo { state: state.clone(), node: node.clone(), reason: reason.clone() });
        }
    }
    Ok(tasks)
}

/// Array tasks in `squeue --array --noheader --format=%F|%K|%T|%N|%r` output.
pub fn parse_squeue_format(text: &str, job_ids: &[String]) -> HashMap<usize, SchedulerInfo> {
    let mut tasks = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.trim().split('|').collect();
        let [array, index, state, node, reason] = f[..] else { continue };
        let (true, Ok(index)) = (job_ids.iter().any(|j| j == array), index.parse::<usize>()) else { continue };
        let node = (!node.is_empty() && !node.starts_with('(')).then(|| node.to_string());
        let reason = (!reason.is_empty() && reason != "None").then(|| reason.to_string());
        tasks.insert(index, SchedulerInfo { state: state.to_string(), node, reason });
    }
    tasks
}

/// Array tasks in `sacct --parsable2 --noheader --format=JobID,State,NodeList,ExitCode` output
/// (steps such as `12_3.batch` are left out).
pub fn parse_sacct(text: &str, job_ids: &[String]) -> HashMap<usize, SchedulerInfo> {
    let mut tasks = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.trim().split('|').collect();
        let [id, state, node, exit] = f[..] else { continue };
        let Some((array, index)) = id.split_once('_') else { continue };
        let (true, Ok(index)) = (job_ids.iter().any(|j| j == array), index.parse::<usize>()) else { continue };
        // `CANCELLED by 0` is a state with its cause
        let state = state.split_whitespace().next().unwrap_or("").to_string();
        let node = (!node.is_empty() && node != "None assigned").then(|| node.to_string());
        let reason = (exit != "0:0").then(|| format!("exit code {exit}"));
        tasks.insert(index, SchedulerInfo { state, node, reason });
    }
    tasks
}

fn squeue(job_ids: &[String]) -> Result<HashMap<usize, SchedulerInfo>, SweepError> {
    // this user's jobs, filtered here: `squeue --jobs` fails outright once one id has expired
    match run_tool("squeue", &["--json".into(), "--me".into()], DEFAULT_TIMEOUT, HINT) {
        Ok(out) => parse_squeue_json(&out, job_ids)
            .map_err(|detail| SweepError::Parse { command: "squeue --json".into(), detail }),
        Err(SweepError::ToolFailed { stderr, .. }) if stderr.contains("json") || stderr.contains("unrecognized") => {
            let args = ["--me", "--array", "--noheader", "--format=%F|%K|%T|%N|%r"].map(String::from);
            Ok(parse_squeue_format(&run_tool("squeue", &args, DEFAULT_TIMEOUT, HINT)?, job_ids))
        }
        Err(e) => Err(e),
    }
}

/// What Slurm knows of the sweep's array tasks: `sacct` for ended ones (when accounting is
/// enabled), overridden by `squeue` for queued and running ones. Later submissions win.
pub fn query(sweep: &Sweep) -> Result<HashMap<usize, SchedulerInfo>, SweepError> {
    let job_ids = sweep.job_ids();
    if job_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let args = vec![
        "--parsable2".into(),
        "--noheader".into(),
        "--format=JobID,State,NodeList,ExitCode".into(),
        format!("--jobs={}", job_ids.join(",")),
    ];
    let mut tasks = match run_tool("sacct", &args, DEFAULT_TIMEOUT, HINT) {
        Ok(out) => {
            let mut merged = HashMap::new();
            // one job at a time, oldest first, so a resubmission's state replaces the old one
            for id in &job_ids {
                merged.extend(parse_sacct(&out, std::slice::from_ref(id)));
            }
            merged
        }
        // no accounting database (a small cluster, CI): squeue and the run directories decide
        Err(SweepError::ToolFailed { stderr, .. }) if stderr.contains("accounting storage is disabled") => {
            HashMap::new()
        }
        Err(e) => return Err(e),
    };
    tasks.extend(squeue(&job_ids)?);
    Ok(tasks)
}

/// Cancels every job array of the sweep.
pub fn cancel(sweep: &Sweep) -> Result<Vec<String>, SweepError> {
    let job_ids = sweep.job_ids();
    if !job_ids.is_empty() {
        run_tool("scancel", &job_ids, DEFAULT_TIMEOUT, HINT)?;
    }
    Ok(job_ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_specs_are_compact() {
        assert_eq!(array_spec(&[5, 0, 1, 2, 7, 8]), "0-2,5,7-8");
        assert_eq!(array_spec(&[3]), "3");
        assert_eq!(expand_array_spec("0-2,5,7-8%2"), [0, 1, 2, 5, 7, 8]);
    }

    #[test]
    fn the_batch_script_asks_for_what_was_given() {
        let options = SlurmOptions {
            partition: Some("gpu".into()),
            gres: Some("gpu:1".into()),
            cpus_per_task: Some(4),
            requeue: true,
            extra: vec!["--account=lab".into()],
            ..Default::default()
        };
        let s = batch_script(Path::new("/opt/cadet"), Path::new("/data/R"), &[0, 1, 3], &options);
        for line in [
            "#SBATCH --array=0-1,3",
            "#SBATCH --output=/data/R/slurm/logs/%A_%a.out",
            "#SBATCH --partition=gpu",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --requeue",
            "#SBATCH --account=lab",
            "exec '/opt/cadet' sweep run-task '/data/R' --index \"$SLURM_ARRAY_TASK_ID\"",
        ] {
            assert!(s.lines().any(|l| l == line), "{line} in\n{s}");
        }
        assert!(!s.contains("--time"));
    }

    #[test]
    fn squeue_json_of_slurm_22_and_23_and_its_format_output_parse() {
        let v22 = r#"{"jobs":[{"job_id":2,"array_job_id":1,"array_task_id":0,"job_state":"RUNNING","nodes":"vm","state_reason":"None"},
            {"job_id":1,"array_job_id":1,"array_task_id":1,"job_state":"PENDING","nodes":"","state_reason":"Resources"},
            {"job_id":3,"array_job_id":3,"array_task_id":null,"array_task_string":"0-1,4","job_state":"PENDING","nodes":""},
            {"job_id":9,"array_job_id":0,"array_task_id":null,"job_state":"RUNNING","nodes":"vm"}]}"#;
        let pending = parse_squeue_json(v22, &["3".into()]).unwrap();
        assert_eq!(pending.keys().copied().collect::<std::collections::BTreeSet<_>>(), [0, 1, 4].into());
        assert_eq!(pending[&4].state, "PENDING");
        let t = parse_squeue_json(v22, &["1".into()]).unwrap();
        assert_eq!(t[&0], SchedulerInfo { state: "RUNNING".into(), node: Some("vm".into()), reason: None });
        assert_eq!(t[&1].reason.as_deref(), Some("Resources"));
        assert_eq!(t.len(), 2);
        let v23 = r#"{"jobs":[{"array_job_id":{"set":true,"number":4},"array_task_id":{"set":true,"number":2},"job_state":["COMPLETED"],"nodes":"n1"}]}"#;
        assert_eq!(parse_squeue_json(v23, &["4".into()]).unwrap()[&2].state, "COMPLETED");
        let f = parse_squeue_format("1|0|RUNNING|vm|None\n1|1|PENDING||Priority\n", &["1".into()]);
        assert_eq!(f[&0].node.as_deref(), Some("vm"));
        assert_eq!(f[&1].state, "PENDING");
    }

    #[test]
    fn sacct_rows_give_array_tasks_and_skip_steps() {
        let text = "7_0|COMPLETED|vm|0:0\n7_0.batch|COMPLETED|vm|0:0\n7_1|CANCELLED by 0|vm|0:15\n8_1|FAILED|vm|1:0\n";
        let t = parse_sacct(text, &["7".into()]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[&1].state, "CANCELLED");
        assert_eq!(t[&1].reason.as_deref(), Some("exit code 0:15"));
    }
}
