//! `cadet bench train` on the CPU, and burn-wgpu training against the CPU (Mesa's lavapipe in CI).

use std::path::Path;
use std::process::Command;

use cadet::core::models::ModelKind;
use serde_json::Value;

use crate::common::{stderr, stdout};

/// `cadet bench train ... --json` in a process of its own, with the kernel cache in `cache` and
/// cubecl's cheapest autotuning (a first wgpu step on lavapipe then takes about a minute, not
/// several); the report.
fn bench(args: &[&str], cache: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .args(["bench", "train", "--json"])
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("CUBECL_AUTOTUNE_LEVEL", "minimal")
        .output()
        .expect("the cadet binary runs");
    assert!(out.status.success(), "cadet bench train {args:?} failed: {}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).expect("one line of JSON")
}

fn losses(report: &Value) -> Vec<f64> {
    report["losses"].as_array().expect("losses").iter().map(|l| l.as_f64().expect("a number")).collect()
}

#[test]
fn bench_train_reports_what_it_measured() {
    let cache = tempfile::tempdir().unwrap();
    let r = bench(
        &["--model", "cifarnet", "--batch", "4", "--steps", "2", "--warmup", "1", "--device", "cpu"],
        cache.path(),
    );
    assert_eq!((r["model"].as_str(), r["batch"].as_u64(), r["steps"].as_u64()), (Some("cifarnet"), Some(4), Some(2)));
    assert_eq!(r["backend"], "flex");
    assert!(r["kernel_cache"].is_null(), "no GPU, no kernel cache");
    let rate = r["images_per_second"].as_f64().unwrap();
    let seconds = r["seconds"].as_f64().unwrap();
    assert!(rate > 0.0 && seconds > 0.0);
    assert!((rate * seconds - 8.0).abs() < 1e-6, "2 steps of 4 images: {rate} img/s over {seconds} s");
    // one loss per step, warm-up included; fc5's weights are N(0, 0.01), so the logits start near
    // zero and the first loss near ln 2
    let l = losses(&r);
    assert_eq!(l.len(), 3);
    assert!((l[0] - std::f64::consts::LN_2).abs() < 0.05, "{l:?}");
    assert!(l.iter().all(|v| v.is_finite()));
    // three passes of 2 FLOP per multiply-add
    let macs = ModelKind::Cifarnet.trace(2).macs as f64;
    assert_eq!(r["flop_per_image"].as_f64(), Some(6.0 * macs));
    let flops = r["flop_per_second"].as_f64().unwrap();
    assert!((flops / (6.0 * macs * rate) - 1.0).abs() < 1e-9);
    // the CPU's peak is unknown, so no fraction of it
    assert!(r["peak_fraction"].is_null());
    let rss = r["peak_rss_mb"].as_f64().unwrap();
    assert!(rss > 10.0 && rss < 4096.0, "peak resident set {rss} MiB");
}

/// The GPU check times alexnet-l over 23 steps: at the default learning rate its loss stays
/// finite on the random batches (at 0.01 it is NaN by the sixth step, ending the measurement).
#[test]
fn alexnet_l_stays_finite_at_the_default_learning_rate() {
    let cache = tempfile::tempdir().unwrap();
    let r = bench(
        &["--model", "alexnet-l", "--batch", "4", "--steps", "8", "--warmup", "0", "--device", "cpu"],
        cache.path(),
    );
    let l = losses(&r);
    assert_eq!(l.len(), 8);
    assert!(l.iter().all(|v| v.is_finite() && *v < 1e3), "{l:?}");
}

/// The only proof that the GPU path computes the right thing: three SGD steps of cifarnet from
/// the same initial weights and batches on burn-wgpu and on the CPU give the same losses.
/// Fails when no wgpu adapter exists (CI has lavapipe); `CADET_SKIP_WGPU_TEST=1` skips it.
#[test]
fn wgpu_training_matches_the_cpu() {
    if std::env::var_os("CADET_SKIP_WGPU_TEST").is_some() {
        eprintln!("skipped: CADET_SKIP_WGPU_TEST is set");
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    // lr 0.01 (the default is 0.001) so that two updates move the loss well above the tolerance
    let args = ["--model", "cifarnet", "--batch", "8", "--steps", "2", "--warmup", "1", "--seed", "3", "--lr", "0.01"];
    let cpu = bench(&[&args[..], &["--device", "cpu"]].concat(), cache.path());
    let gpu = bench(&[&args[..], &["--device", "gpu"]].concat(), cache.path());
    assert_eq!(gpu["backend"], "wgpu", "{}", gpu["device"]);
    let (a, b) = (losses(&cpu), losses(&gpu));
    assert_eq!(a.len(), 3);
    // Both sides compute in f32 and differ only in summation order (im2col/tiled matmuls, pooling,
    // the reductions of the loss): about 1e-6 relative per operation, compounded over ~20 layers
    // of forward and backward and two updates at lr 0.01 — some 1e-5 on a loss near 0.7. A wrong
    // kernel (a transposed weight, a missed bias or gradient) moves it by 1e-2 or more.
    for (step, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() < 1e-3, "step {step}: CPU loss {x}, wgpu loss {y} ({a:?} vs {b:?})");
    }
    // the weights did change between steps, so the updates were compared too
    assert!((a[0] - a[2]).abs() > 1e-4, "{a:?}");
    let kernels = &gpu["kernel_cache"];
    assert!(kernels["path"].as_str().unwrap().starts_with(cache.path().to_str().unwrap()), "{kernels}");
}
