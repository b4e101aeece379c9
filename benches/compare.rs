//! cadet against its Python references, on the same machine in the same run.
//!
//!     cargo bench --bench compare -- [nifti] [sampling] [bspline-process] [training] [slices]
//!
//! * nifti: loading a 512×512×600 int16 .nii.gz (made by `benches/reference/make_big_nifti.py`)
//!   against nibabel (`nibabel_load_bench.py`);
//! * sampling: 1000 random 2.5D views of 64×64×3 from that volume, trilinear and cubic B-spline,
//!   against `scipy.ndimage.map_coordinates` (`sample_views_scipy.py`, same views);
//! * bspline-process: `cadet sample` as a whole process, 10,000 cubic B-spline views of 3×64×64
//!   from a 512×512×61 real CT, against SciPy with the volume in memory (issue 15's target);
//! * training: SGD steps of cifarnet (batch 50), alexnet-l (128) and googlenet-l (64), timed by
//!   `cadet bench train`'s core (`core::train::bench`) on `$CADET_BENCH_DEVICE` (default auto:
//!   burn-wgpu on a GPU, else burn's CPU backend) against PyTorch (`train_step_torch.py`, same
//!   models and optimiser, CUDA when cadet trained on a GPU), each model in its own process,
//!   alternating, with its peak resident memory;
//! * slices: extracting and windowing one displayed slice of the big volume on the CPU.
//!
//! Python comes from `$CADET_PYTHON` (default `python3`) and needs nibabel, scipy and torch.
//! Results are printed and written to `target/bench/compare.json`.

#[path = "compare/bspline_process.rs"]
mod bspline_process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use cadet::core::models::ModelKind;
use cadet::core::nifti::read_nifti;
use cadet::core::sampling::{Interpolation, Plane, SliceGeometry, ViewProtocol, ViewSampler, ViewSpec};
use cadet::core::train::{BENCH_LR, BenchReport, BenchSpec, DeviceChoice, Precision, bench_train};
use cadet::core::window::WindowPreset;
use glam::DVec3;
use rayon::prelude::*;
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> String {
    std::env::var("CADET_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs a reference script and parses the last line of its output as JSON.
fn reference(script: &str, args: &[&str]) -> Option<Value> {
    let path = root().join("benches/reference").join(script);
    let out = Command::new(python()).arg(&path).args(args).output().ok()?;
    if !out.status.success() {
        eprintln!("{script} failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().last().and_then(|l| serde_json::from_str(l).ok())
}

fn big_volume() -> PathBuf {
    let dir = root().join("target/bench-data");
    let path = dir.join("big_512x512x600.nii.gz");
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("bench data folder");
        println!("making {} (once) ...", path.display());
        let ok = Command::new(python())
            .arg(root().join("benches/reference/make_big_nifti.py"))
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "make_big_nifti.py needs python3 with nibabel and numpy");
    }
    path
}

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    (best, last.expect("n > 0"))
}

fn nifti(results: &mut Value) {
    let path = big_volume();
    let (rust_s, file) = best_of(3, || read_nifti(&path).expect("readable"));
    let py = reference("nibabel_load_bench.py", &[path.to_str().unwrap_or_default(), "--repeat", "3"]);
    let py_s = py.as_ref().and_then(|v| v["seconds_min"].as_f64());
    println!("nifti  cadet {rust_s:.3} s  nibabel {}  speed-up {}", fmt(py_s, "s"), ratio(py_s, Some(rust_s)));
    results["nifti"] = json!({"file": path, "dims": file.volume.dims(), "cadet_seconds": rust_s, "nibabel_seconds": py_s,
        "speedup": py_s.map(|p| p / rust_s)});
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    v.map_or("n/a".into(), |x| format!("{x:.3} {unit}"))
}

fn ratio(num: Option<f64>, den: Option<f64>) -> String {
    match (num, den) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "n/a".into(),
    }
}

/// 1000 views around points in the middle of the volume, written as the reference's CSV.
fn bench_views(volume: &cadet::core::volume::Volume, csv: &Path) -> Vec<ViewSpec> {
    let protocol = ViewProtocol::default();
    let center = volume.center_world_mm();
    let specs: Vec<ViewSpec> = (0..1000u64)
        .map(|i| {
            let offset = DVec3::new(
                ((i % 10) as f64 - 4.5) * 8.0,
                ((i / 10 % 10) as f64 - 4.5) * 8.0,
                ((i / 100) as f64 - 4.5) * 8.0,
            );
            protocol.draw(7, i, 0, center + offset)
        })
        .collect();
    let mut text = String::from(
        "candidate,view,center_x,center_y,center_z,shift_x,shift_y,shift_z,fov_mm,r11,r12,r13,r21,r22,r23,r31,r32,r33\n",
    );
    for (i, s) in specs.iter().enumerate() {
        let (c, t, r) = (s.center_world_mm, s.shift_mm, s.rotation);
        text += &format!(
            "{i},0,{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            c[0],
            c[1],
            c[2],
            t[0],
            t[1],
            t[2],
            s.fov_mm,
            r[0][0],
            r[0][1],
            r[0][2],
            r[1][0],
            r[1][1],
            r[1][2],
            r[2][0],
            r[2][1],
            r[2][2]
        );
    }
    std::fs::write(csv, text).expect("views csv");
    specs
}

fn sampling(results: &mut Value) {
    let path = big_volume();
    let volume = Arc::new(read_nifti(&path).expect("readable").volume);
    let csv = root().join("target/bench-data/views_1000.csv");
    let specs = bench_views(&volume, &csv);
    let n = 64;
    let mut out = Vec::new();
    for (interp, order) in [(Interpolation::Linear, "1"), (Interpolation::Bspline, "3")] {
        let t = Instant::now();
        let sampler = ViewSampler::new(volume.clone(), interp);
        let prefilter_s = t.elapsed().as_secs_f64();
        let (secs, _) = best_of(3, || specs.par_iter().map(|s| sampler.sample(s, n)[0]).sum::<f32>());
        let rust = specs.len() as f64 / secs;
        let py = reference(
            "sample_views_scipy.py",
            &[
                path.to_str().unwrap_or_default(),
                csv.to_str().unwrap_or_default(),
                "--size",
                "64",
                "--order",
                order,
                "--bench",
                "--repeat",
                "2",
            ],
        );
        let py_rate = py.as_ref().and_then(|v| v["views_per_second"].as_f64());
        let py_pre = py.as_ref().and_then(|v| v["prefilter_seconds"].as_f64());
        println!(
            "sampling order {order}  cadet {rust:.0} views/s ({} threads, prefilter {prefilter_s:.2} s)  scipy {} views/s (1 thread, prefilter {})  speed-up {}",
            rayon::current_num_threads(),
            py_rate.map_or("n/a".into(), |r| format!("{r:.0}")),
            fmt(py_pre, "s"),
            ratio(Some(rust), py_rate)
        );
        out.push(json!({"order": order, "cadet_views_per_second": rust, "cadet_prefilter_seconds": prefilter_s,
            "scipy_views_per_second": py_rate, "scipy_prefilter_seconds": py_pre, "threads": rayon::current_num_threads(),
            "speedup": py_rate.map(|p| rust / p)}));
    }
    results["sampling"] = Value::Array(out);
}

/// Set in a child process of this bench: `cadet bench train`'s core for one model
/// ("model:batch:steps:device"), its report printed as JSON. Each model runs in its own process,
/// like the Python reference, so each peak is that model's own.
const TRAIN_CHILD: &str = "CADET_BENCH_TRAIN_CHILD";

fn train_child(spec: &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    let device = match parts.get(3).copied() {
        Some("cpu") => Some(DeviceChoice::Cpu),
        Some("gpu") => Some(DeviceChoice::Gpu),
        Some("auto") => Some(DeviceChoice::Auto),
        _ => None,
    };
    let parsed = match parts[..] {
        [name, batch, steps, _] => {
            name.parse::<ModelKind>().ok().zip(batch.parse().ok()).zip(steps.parse().ok()).zip(device)
        }
        _ => None,
    };
    let Some((((model, batch), steps), device)) = parsed else {
        eprintln!("{TRAIN_CHILD}={spec}: expected model:batch:steps:cpu|gpu|auto");
        std::process::exit(2);
    };
    let spec = BenchSpec { model, batch, steps, warmup: 1, device, precision: Precision::F32, seed: 1, lr: BENCH_LR };
    match bench_train(&spec) {
        Ok(report) => println!("{}", serde_json::to_string(&report).unwrap_or_default()),
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(2);
        }
    }
}

/// Runs `train_child` for one model in a fresh process of this bench.
fn cadet_training(kind: ModelKind, batch: usize, steps: usize, device: &str) -> Option<BenchReport> {
    let out = Command::new(std::env::current_exe().ok()?)
        .env(TRAIN_CHILD, format!("{}:{batch}:{steps}:{device}", kind.name()))
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("training child for {} failed: {}", kind.name(), String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().last().and_then(|l| serde_json::from_str(l).ok())
}

/// The faster of two measurements (`None` loses).
fn faster<T>(a: Option<T>, b: Option<T>, rate: impl Fn(&T) -> f64) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if rate(&b) > rate(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// cadet and PyTorch alternate (cadet, PyTorch, cadet, PyTorch) so that a change in the
/// machine's load hits both; each keeps its faster round. `CADET_BENCH_DEVICE` (cpu, gpu or
/// auto, the default) says where cadet trains; PyTorch runs on CUDA when cadet ran on a GPU.
fn training(results: &mut Value) {
    let device = std::env::var("CADET_BENCH_DEVICE").unwrap_or_else(|_| "auto".into());
    let mut out = Vec::new();
    for (kind, batch) in [(ModelKind::Cifarnet, 50usize), (ModelKind::AlexnetL, 128), (ModelKind::GooglenetL, 64)] {
        let steps = if kind == ModelKind::Cifarnet { 20 } else { 3 };
        let (mut rust, mut py) = (None, None);
        for _round in 0..2 {
            let r = cadet_training(kind, batch, steps, &device);
            // the reference runs where cadet ran: CUDA when cadet trained on wgpu
            let on_gpu = r.as_ref().or(rust.as_ref()).is_some_and(|r: &BenchReport| r.backend == "wgpu");
            let torch_device = if on_gpu { "cuda" } else { "cpu" };
            let (batch_arg, steps_arg) = (batch.to_string(), steps.to_string());
            let args = ["--model", kind.name(), "--batch", &batch_arg, "--steps", &steps_arg, "--warmup", "1"];
            let p = reference("train_step_torch.py", &[&args[..], &["--device", torch_device]].concat());
            rust = faster(rust, r, |r| r.images_per_second);
            py = faster(py, p, |v| v["images_per_second"].as_f64().unwrap_or(0.0));
        }
        let rust_rate = rust.as_ref().map(|r| r.images_per_second);
        let rust_mem = rust.as_ref().and_then(|r| r.peak_rss_mb);
        let device_name = rust.as_ref().map(|r| r.device.clone()).unwrap_or_default();
        let py_rate = py.as_ref().and_then(|v| v["images_per_second"].as_f64());
        let py_mem = py.as_ref().and_then(|v| v["peak_rss_mb"].as_f64());
        let py_version = py.as_ref().and_then(|v| v["torch"].as_str().map(String::from));
        println!(
            "training {:<12} batch {batch:>3} on {device_name}  cadet {} img/s, peak {}  pytorch {} {} img/s, peak {}  ratio {}",
            kind.name(),
            rust_rate.map_or("n/a".into(), |r| format!("{r:.1}")),
            fmt(rust_mem, "MiB"),
            py_version.as_deref().unwrap_or("?"),
            py_rate.map_or("n/a".into(), |r| format!("{r:.1}")),
            fmt(py_mem, "MiB"),
            ratio(rust_rate, py_rate)
        );
        out.push(json!({"model": kind.name(), "batch": batch, "cadet": rust, "pytorch": py,
            "ratio": rust_rate.zip(py_rate).map(|(r, p)| r / p)}));
    }
    results["training"] = Value::Array(out);
}

fn slices(results: &mut Value) {
    let volume = read_nifti(&big_volume()).expect("readable").volume;
    let window = WindowPreset::SoftTissue.window();
    let mut out = Vec::new();
    for &plane in Plane::ALL {
        let g = SliceGeometry::new(&volume, plane);
        let (secs, _) = best_of(20, || {
            let hu = g.extract(&volume, g.depth / 2);
            hu.iter().map(|v| window.apply_u8(*v)).collect::<Vec<u8>>()
        });
        println!("slice {:<8} {}×{} CPU extract + window {:.2} ms", plane.label(), g.width, g.height, secs * 1e3);
        out.push(json!({"plane": plane.label(), "width": g.width, "height": g.height, "cpu_ms": secs * 1e3}));
    }
    results["slices"] = Value::Array(out);
}

fn main() {
    if let Ok(spec) = std::env::var(TRAIN_CHILD) {
        train_child(&spec);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let mut results = json!({"cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)});
    if wanted("nifti") {
        nifti(&mut results);
    }
    if wanted("sampling") {
        sampling(&mut results);
    }
    if wanted("bspline-process") {
        bspline_process::bspline_process(&mut results);
    }
    if wanted("training") {
        training(&mut results);
    }
    if wanted("slices") {
        slices(&mut results);
    }
    let dir = root().join("target/bench");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("compare.json"), serde_json::to_string_pretty(&results).unwrap_or_default());
}
