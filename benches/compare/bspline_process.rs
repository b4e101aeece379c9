//! Issue 15's B-spline benchmark: `cadet sample` as a whole process (load the .nii.gz,
//! prefilter, sample 10,000 cubic B-spline views of 3×64×64, write `views.npy` and
//! `views.csv`), timed wall-clock as a child process, against SciPy's `map_coordinates`
//! (order 3) on exactly the views cadet logged, with the volume and its coefficients already in
//! memory (SciPy's load and prefilter are reported beside it, not counted).
//!
//! The volume is the real chest CT angiogram of `../shared/data` resampled to 512×512×61
//! (`benches/reference/make_ct_512x512x61.py`, made once under `target/bench-data/`).
//! cadet and SciPy alternate for `$CADET_BENCH_ROUNDS` rounds (default 2), each keeping its
//! best, and the machine's load average is recorded with them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cadet::core::nifti::read_nifti;
use serde_json::{Value, json};

use super::{fmt, python, ratio, reference, root};

const CANDIDATES: usize = 1000;
const VIEWS_PER_CANDIDATE: usize = 10;

/// The 512×512×61 chest CT, made from the real one the first time; `None` without shared data.
fn ct_volume() -> Option<PathBuf> {
    let path = root().join("target/bench-data/chest_512x512x61.nii.gz");
    if path.is_file() {
        return Some(path);
    }
    let chest = root().join("../shared/data/ct/chest_cta_1.5mm.nii.gz");
    if !chest.is_file() {
        println!("bspline-process: skipped, {} is absent", chest.display());
        return None;
    }
    std::fs::create_dir_all(path.parent()?).ok()?;
    println!("making {} (once) ...", path.display());
    let ok = Command::new(python())
        .arg(root().join("benches/reference/make_ct_512x512x61.py"))
        .args([&chest, &path])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(path)
}

/// 1000 candidate points on a 10×10×10 grid of 8 mm (x, y) and 4 mm (z) steps about the
/// volume's centre.
fn write_candidates(volume: &Path, csv: &Path) {
    let v = read_nifti(volume).expect("readable").volume;
    let c = v.center_world_mm();
    let mut text = String::from("patient,candidate,x,y,z\n");
    for i in 0..CANDIDATES {
        let at = |k: usize, step: f64| (k as f64 - 4.5) * step;
        let (x, y, z) = (c.x + at(i % 10, 8.0), c.y + at(i / 10 % 10, 8.0), c.z + at(i / 100, 4.0));
        text += &format!("ct,{i},{x},{y},{z}\n");
    }
    std::fs::write(csv, text).expect("candidates csv");
}

/// The 1-minute load average, as `uptime` shows it.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// One whole `cadet sample` process into a fresh `out` folder; its wall-clock seconds.
fn cadet_process(volume: &Path, candidates: &Path, out: &Path) -> Option<f64> {
    let _ = std::fs::remove_dir_all(out);
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .arg("sample")
        .arg(volume)
        .arg("--candidates")
        .arg(candidates)
        .args(["--views", &VIEWS_PER_CANDIDATE.to_string(), "--interp", "bspline", "--size", "64", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    let secs = t.elapsed().as_secs_f64();
    status.success().then_some(secs)
}

/// SciPy on the views cadet logged: (sampling s, prefilter s).
fn scipy(volume: &Path, views_csv: &Path) -> Option<(f64, f64)> {
    let args = ["--size", "64", "--order", "3", "--bench", "--repeat", "1", "--chunk", "1000"];
    let v = reference("sample_views_scipy.py", &[&[volume.to_str()?, views_csv.to_str()?][..], &args[..]].concat())?;
    Some((v["sampling_seconds_min"].as_f64()?, v["prefilter_seconds"].as_f64()?))
}

/// The largest difference (HU) between cadet's first `n` views and SciPy's on the same views.
fn largest_difference(volume: &Path, out: &Path, n: usize) -> Option<f64> {
    let lines: Vec<String> =
        std::fs::read_to_string(out.join("views.csv")).ok()?.lines().take(n + 1).map(String::from).collect();
    let (csv, npy) = (out.join("first.csv"), out.join("first_scipy.npy"));
    std::fs::write(&csv, lines.join("\n") + "\n").ok()?;
    reference(
        "sample_views_scipy.py",
        &[
            volume.to_str()?,
            csv.to_str()?,
            "--size",
            "64",
            "--order",
            "3",
            "--bench",
            "--repeat",
            "1",
            "--out",
            npy.to_str()?,
        ],
    )?;
    let read = |p: &Path| -> Option<Vec<f32>> {
        let file = npyz::NpyFile::new(std::io::BufReader::new(std::fs::File::open(p).ok()?)).ok()?;
        file.data::<f32>().ok()?.take(n * 3 * 64 * 64).collect::<Result<_, _>>().ok()
    };
    let (a, b) = (read(&out.join("views.npy"))?, read(&npy)?);
    (a.len() == b.len()).then(|| a.iter().zip(&b).map(|(x, y)| f64::from((x - y).abs())).fold(0.0, f64::max))
}

pub fn bspline_process(results: &mut Value) {
    let Some(volume) = ct_volume() else { return };
    let dir = root().join("target/bench-data/bspline-process");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let candidates = dir.join("candidates.csv");
    write_candidates(&volume, &candidates);
    let (out, views_csv) = (dir.join("out"), dir.join("views.csv"));
    let rounds: usize = std::env::var("CADET_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(2);
    let (mut cadet_s, mut scipy_s, mut prefilter_s) = (None::<f64>, None::<f64>, None::<f64>);
    let mut loads = vec![load_average()];
    let best = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    for round in 0..rounds {
        let c = cadet_process(&volume, &candidates, &out);
        cadet_s = best(cadet_s, c);
        if round == 0 {
            std::fs::copy(out.join("views.csv"), &views_csv).expect("cadet wrote views.csv");
        }
        let s = scipy(&volume, &views_csv);
        scipy_s = best(scipy_s, s.map(|s| s.0));
        prefilter_s = best(prefilter_s, s.map(|s| s.1));
        loads.push(load_average());
        println!(
            "bspline-process round {round}: cadet {}  scipy {} (+ prefilter {})  load {}",
            fmt(c, "s"),
            fmt(s.map(|s| s.0), "s"),
            fmt(s.map(|s| s.1), "s"),
            fmt(load_average(), "")
        );
    }
    let diff = largest_difference(&volume, &out, 100);
    let with_prefilter = scipy_s.zip(prefilter_s).map(|(a, b)| a + b);
    println!(
        "bspline-process {} views of 3×64×64 from a 512×512×61 CT: cadet whole process {}  scipy sampling {} (with prefilter {})  speed-up {} ({} with scipy's prefilter); first 100 views agree within {} HU",
        CANDIDATES * VIEWS_PER_CANDIDATE,
        fmt(cadet_s, "s"),
        fmt(scipy_s, "s"),
        fmt(with_prefilter, "s"),
        ratio(scipy_s, cadet_s),
        ratio(with_prefilter, cadet_s),
        diff.map_or("n/a".into(), |d| format!("{d:.1e}"))
    );
    results["bspline_process"] = json!({"volume": volume, "views": CANDIDATES * VIEWS_PER_CANDIDATE, "size": 64,
        "cadet_process_seconds": cadet_s, "scipy_sampling_seconds": scipy_s, "scipy_prefilter_seconds": prefilter_s,
        "speedup": scipy_s.zip(cadet_s).map(|(s, c)| s / c), "speedup_with_scipy_prefilter": with_prefilter.zip(cadet_s).map(|(s, c)| s / c),
        "largest_difference_hu_first_100_views": diff, "load_average_1min": loads, "rounds": rounds});
}
