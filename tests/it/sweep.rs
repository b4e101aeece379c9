//! `cadet sweep` end to end: a tiny cifarnet grid on the bundled study, run by local processes
//! and through a real Slurm (skipped with a message where `sbatch` is absent, unless
//! `CADET_REQUIRE_SLURM` is set, as CI does), collected into the Table II report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{cadet, stderr, stdout};
use cadet::core::sweep::{Sweep, read_task_pid};

fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic")
}

/// The arguments of a 2-run sweep (cifarnet, random init, 2 folds) of `epochs` tiny epochs.
fn sweep_args(runs: &Path, epochs: usize, executor: &str) -> Vec<String> {
    let study = sample_study();
    let mut args: Vec<String> = [
        "sweep",
        "--study",
        study.to_str().unwrap(),
        "--models",
        "cifarnet",
        "--regimes",
        "ri,tl",
        "--folds",
        "2",
        "--regions",
        "MED,ABD",
        "--views-per-candidate",
        "2",
        "--val-views",
        "1",
        "--batch",
        "32",
        "--device",
        "cpu",
        "--patience",
        "0",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--executor",
        executor,
        "--views",
        "5",
        "--bootstrap",
        "20",
        "--eval-device",
        "cpu",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--epochs".into(), epochs.to_string()]);
    args
}

fn run(args: &[String]) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cadet(&refs);
    assert!(out.status.success(), "cadet {}\n{}\n{}", args.join(" "), stdout(&out), stderr(&out));
    stdout(&out)
}

/// The report has one row per region of the one configuration, with figures in range.
fn check_report(runs: &Path) {
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    assert!(md.contains("| cifarnet-ri | cifarnet | ri | 2 |"), "{md}");
    let mut csv = csv::Reader::from_path(runs.join("report.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let regions: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    assert_eq!(regions, ["MED", "ABD", "ALL"]);
    for r in &rows {
        assert_eq!((&r[0], &r[3], &r[5]), ("cifarnet-ri", "2", if &r[4] == "ALL" { "6" } else { "3" }));
        let tpr: f64 = r[9].parse().unwrap();
        assert!((0.0..=1.0).contains(&tpr), "{r:?}");
    }
}

/// The sweep arguments with the study replaced by a view bank of it.
fn from_bank(mut args: Vec<String>, bank: &Path) -> Vec<String> {
    let at = args.iter().position(|a| a == "--study").unwrap();
    args.splice(at..at + 2, ["--bank".to_string(), bank.display().to_string()]);
    args
}

#[test]
fn a_local_sweep_runs_every_fold_and_reports_table_two() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    // the local sweep trains and scores from a view bank (the Slurm tests from the volumes)
    let bank = dir.path().join("bank");
    let study = sample_study();
    let cache = dir.path().join("cache");
    run(&["bank", "--study", study.to_str().unwrap(), "--views-per-candidate", "2", "--size", "32"]
        .into_iter()
        .map(String::from)
        .chain(["--out".into(), bank.display().to_string(), "--cache".into(), cache.display().to_string()])
        .collect::<Vec<_>>());
    let mut args = from_bank(sweep_args(&runs, 1, "local"), &bank);
    args.extend(["--jobs".into(), "2".into(), "--wait".into()]);
    let out = run(&args);
    let plan = std::fs::read_to_string(runs.join("sweep.toml")).unwrap();
    assert!(plan.contains(&format!("bank = {:?}", bank.display().to_string())), "{plan}");
    let log = std::fs::read_to_string(runs.join("runs/cifarnet-ri-f1/train.log")).unwrap();
    assert!(log.contains("views from the bank"), "{log}");
    assert!(out.contains("skipped cifarnet-tl: the tl regime needs pretrained weights"), "{out}");
    assert!(out.contains("2 runs planned"), "{out}");
    check_report(&runs);
    let status = run(&["sweep".into(), "status".into(), runs.display().to_string()]);
    assert!(status.contains("2 runs: 2 finished"), "{status}");
    // planning again runs nothing; changing the configuration is refused
    assert!(run(&from_bank(sweep_args(&runs, 1, "local"), &bank)).contains("0 to run"));
    let refs: Vec<String> = from_bank(sweep_args(&runs, 2, "local"), &bank);
    let out = cadet(&refs.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("never reused for another configuration"), "{}", stderr(&out));
}

/// Whether a Slurm cluster answers; panics when CI requires one.
fn slurm_available() -> bool {
    let ok = std::process::Command::new("sinfo").arg("--noheader").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CADET_REQUIRE_SLURM").is_some() {
        panic!("CADET_REQUIRE_SLURM is set but no Slurm cluster answers (sinfo)");
    }
    if !ok {
        crate::common::skip("no Slurm here (sbatch/sinfo absent or no controller); .ci/slurm.sh starts one");
    }
    ok
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_slurm_sweep_runs_as_one_job_array_and_reports_table_two() {
    if !slurm_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let mut args = sweep_args(&runs, 1, "slurm");
    args.extend(["--wait".into(), "--requeue".into(), "--time".into(), "00:10:00".into()]);
    let out = run(&args);
    assert!(out.contains("submitted job array"), "{out}");
    let sweep = Sweep::load(&runs).unwrap();
    assert_eq!(sweep.submissions.len(), 1);
    assert_eq!(sweep.submissions[0].indices, [0, 1]);
    let script = std::fs::read_to_string(sweep.submissions[0].script.as_ref().unwrap()).unwrap();
    assert!(script.contains("#SBATCH --array=0-1") && script.contains("#SBATCH --time=00:10:00"), "{script}");
    check_report(&runs);
    let status = run(&["sweep".into(), "status".into(), runs.display().to_string()]);
    assert!(status.contains("2 runs: 2 finished"), "{status}");
}

#[test]
fn a_killed_array_task_is_resubmitted_alone_and_resumes_from_its_checkpoint() {
    if !slurm_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let args = sweep_args(&runs, 12, "slurm");
    run(&args);
    let progress = runs.join("runs/cifarnet-ri-f1/checkpoints/last/progress.json");
    wait_until("the first checkpoint of run 0", Duration::from_secs(60), || progress.is_file());
    let (pid, _) = read_task_pid(&runs, 0).expect("the task wrote its pid");
    let killed = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    let status = || run(&["sweep".into(), "status".into(), runs.display().to_string()]);
    wait_until("run 0 to be seen failed", Duration::from_secs(60), || {
        status().lines().any(|l| l.contains("cifarnet-ri-f1") && (l.contains("failed") || l.contains("interrupted")))
    });
    wait_until("run 1 to finish", Duration::from_secs(90), || {
        status().lines().any(|l| l.contains("cifarnet-ri-f2") && l.contains("finished"))
    });
    let mut again = args.clone();
    again.push("--wait".into());
    let out = run(&again);
    assert!(out.contains("1 to run"), "{out}");
    let sweep = Sweep::load(&runs).unwrap();
    assert_eq!(sweep.submissions.len(), 2);
    assert_eq!(sweep.submissions[1].indices, [0], "only the killed run is submitted again");
    let log = std::fs::read_to_string(runs.join("runs/cifarnet-ri-f1/train.log")).unwrap();
    assert!(log.contains("resumed after epoch"), "{log}");
    assert!(run(&["sweep".into(), "status".into(), runs.display().to_string()]).contains("2 runs: 2 finished"));
    check_report(&runs);
}

#[test]
fn waiting_gives_up_at_its_limit_and_cancel_ends_the_job_array() {
    if !slurm_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let mut args = sweep_args(&runs, 500, "slurm");
    args.extend(["--wait".into(), "--wait-minutes".into(), "0.02".into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cadet(&refs);
    assert!(!out.status.success(), "500 epochs cannot end in 1.2 s");
    let message = stderr(&out);
    assert!(message.contains("gave up waiting after 0.02 minutes; the runs go on"), "{message}");
    assert!(message.contains(&format!("cadet sweep collect {}", runs.display())), "{message}");
    let job = Sweep::load(&runs).unwrap().job_ids()[0].clone();
    let cancelled = run(&["sweep".into(), "cancel".into(), runs.display().to_string()]);
    assert!(cancelled.contains(&format!("cancelled job arrays {job}")), "{cancelled}");
    // a status query can fail while slurmctld is busy ending the array (squeue times out on a
    // loaded machine): that is "not yet", and the limit still bounds the wait
    wait_until("the array to leave the queue", Duration::from_secs(60), || {
        let out = cadet(&["sweep", "status", &runs.display().to_string()]);
        out.status.success() && stdout(&out).contains("0 finished, 0 running, 0 queued")
    });
}

/// The pooled accuracy and item count of a sweep's evaluation of one configuration.
fn pooled(runs: &Path, configuration: &str) -> (f64, u64) {
    let path = runs.join("evals").join(configuration).join("ild_report.json");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (report["pooled"]["accuracy"].as_f64().unwrap(), report["pooled"]["samples"].as_u64().unwrap())
}

#[test]
fn a_local_sweep_of_the_ild_tasks_reports_table_three() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/ild");
    let (s, r) = (study.to_str().unwrap(), runs.to_str().unwrap());
    // the tiny settings of the ILD training test, 2 folds of each task, the slice level also
    // under the average lung mask (a configuration and a Table III row of its own)
    let args = [
        "sweep",
        "--study",
        s,
        "--tasks",
        "ild-slice,ild-patch",
        "--models",
        "cifarnet",
        "--regimes",
        "ri",
        "--lungs",
        "none,average",
        "--folds",
        "2",
        "--epochs",
        "1",
        "--size",
        "16",
        "--per-roi",
        "20",
        "--batch",
        "8",
        "--device",
        "cpu",
        "--patience",
        "0",
        "--runs-dir",
        r,
        "--executor",
        "local",
        "--jobs",
        "2",
        "--wait",
        "--bootstrap",
        "20",
        "--eval-device",
        "cpu",
    ]
    .map(String::from);
    let out = run(&args);
    assert!(out.contains("6 runs planned"), "{out}");
    let status = run(&["sweep".into(), "status".into(), r.into()]);
    assert!(status.contains("6 runs: 6 finished"), "{status}");
    let line = status.lines().find(|l| l.contains("ild-patch-cifarnet-ri-f2")).unwrap();
    assert_eq!(line.split_whitespace().nth(2), Some("ild-patch"), "{status}");
    // folds pooled: every patient is tested once, so every contoured slice and every patch is scored
    let db = cadet::core::ild::IldDatabase::open(&study).unwrap();
    let slices = db.patients.iter().flat_map(|p| &p.slices).filter(|s| !s.classes().is_empty()).count();
    let patches = cadet::core::ild::patches::select_patches(&db, 16, 20, 2016).len();
    let (slice_accuracy, slice_items) = pooled(&runs, "ild-slice-cifarnet-ri");
    let (patch_accuracy, patch_items) = pooled(&runs, "ild-patch-cifarnet-ri");
    let (averaged_accuracy, averaged_items) = pooled(&runs, "ild-slice-cifarnet-ri-lung-average");
    assert_eq!((slice_items as usize, patch_items as usize, averaged_items as usize), (slices, patches, slices));
    let md = std::fs::read_to_string(runs.join("report.md")).unwrap();
    assert!(md.contains("| model | regime | slice-CV2 | patch-CV2 |"), "{md}");
    let row: Vec<&str> =
        md.lines().find(|l| l.starts_with("| cifarnet | ri |")).unwrap().split('|').map(str::trim).collect();
    assert!(row[3].starts_with(&format!("{slice_accuracy:.3} [")), "{md}");
    assert!(row[4].starts_with(&format!("{patch_accuracy:.3} [")), "{md}");
    let averaged: Vec<&str> = md
        .lines()
        .find(|l| l.starts_with("| cifarnet | ri, lung average |"))
        .unwrap()
        .split('|')
        .map(str::trim)
        .collect();
    assert!(averaged[3].starts_with(&format!("{averaged_accuracy:.3} [")), "{md}");
    assert_eq!(averaged[4], "-", "the patch level has no lung setting: {md}");
    let mut csv = csv::Reader::from_path(runs.join("report.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let number = |row: usize, i: usize| rows[row][i].parse::<f64>().unwrap();
    assert_eq!((&rows[0][0], &rows[0][1], &rows[0][2], &rows[0][3], &rows[0][7]), ("cifarnet", "ri", "none", "2", "2"));
    assert_eq!((number(0, 4), number(0, 8)), (slice_accuracy, patch_accuracy));
    assert!(0.0 <= number(0, 5) && number(0, 5) <= number(0, 6) && number(0, 6) <= 1.0, "{:?}", rows[0]);
    assert_eq!((&rows[1][2], number(1, 4), &rows[1][8]), ("average", averaged_accuracy, ""));
}
