//! `cadet bench train`: timed SGD steps of one network on one device (forward, loss, backward,
//! update, the loss read back each step as training does), with images per second, peak memory
//! and the arithmetic rate against the device's peak. README's speed figures, `cargo bench
//! --bench compare` and the GPU check all come from here.
//!
//! Initial weights are drawn on the CPU from the seed and moved to the device, and the batches
//! are drawn on the host from the seed, so the same spec trains the same numbers on every device
//! (the wgpu-against-CPU test compares the per-step losses).

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::RngExt;
use rand_distr::StandardNormal;

use super::config::DeviceChoice;
use super::device::{Precision, select_device_at};
use super::kernels::KernelCache;
use super::sgd::{Sgd, SgdConfig};
use crate::core::models::ModelKind;
use crate::core::seed::{rng_for, with_backend_rng};

/// What to time.
#[derive(Clone, Debug)]
pub struct BenchSpec {
    pub model: ModelKind,
    pub batch: usize,
    /// Timed steps.
    pub steps: usize,
    /// Untimed steps first (kernel compilation and tuning, allocator warm-up).
    pub warmup: usize,
    pub device: DeviceChoice,
    pub precision: Precision,
    pub seed: u64,
    /// The SGD learning rate ([`BENCH_LR`] by default).
    pub lr: f64,
}

/// The learning rate the benchmarks train at: small enough that every model's loss stays finite
/// over hundreds of steps on the random batches (at 0.01 alexnet-l's reaches 1e10 by the fifth
/// step, in cadet and in PyTorch alike, and a NaN ends the measurement).
pub const BENCH_LR: f64 = 0.001;

/// The measurement, as `--json` prints it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BenchReport {
    pub model: String,
    pub batch: usize,
    pub steps: usize,
    pub warmup: usize,
    pub precision: String,
    pub device: String,
    /// `flex` (CPU) or `wgpu`.
    pub backend: String,
    /// Worker threads of the CPU backend (rayon's pool).
    pub threads: usize,
    pub warmup_seconds: f64,
    pub seconds: f64,
    pub images_per_second: f64,
    /// The loss of every step, warm-up steps first.
    pub losses: Vec<f64>,
    /// The process's peak resident set (VmHWM), MiB.
    pub peak_rss_mb: Option<f64>,
    /// The most the GPU allocator held after any step (burn's memory pool report), MiB.
    pub gpu_reserved_mb: Option<f64>,
    /// Floating-point operations per image and step: 2 per multiply-add, three passes' worth
    /// (the backward pass costs about twice the forward).
    pub flop_per_image: f64,
    pub flop_per_second: f64,
    /// The device's peak f32 rate where cadet knows it (a table of datasheet figures).
    pub peak_flop_per_second: Option<f64>,
    pub peak_fraction: Option<f64>,
    pub kernel_cache: Option<KernelCache>,
}

/// Peak f32 rates (non-tensor-core) from the vendors' datasheets, by adapter name.
const PEAK_F32: [(&str, f64); 6] = [
    ("H200", 67.0e12),
    ("H100 PCIe", 51.2e12),
    ("H100", 67.0e12),
    ("A100", 19.5e12),
    ("L4", 30.3e12),
    ("RTX 4090", 82.6e12),
];

fn peak_f32(adapter: &str) -> Option<f64> {
    PEAK_F32.iter().find(|(name, _)| adapter.contains(name)).map(|&(_, peak)| peak)
}

/// The process's peak resident set (VmHWM), MiB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Two batches drawn on the host (images N(0, 1), labels uniform), used in turn.
fn batches(spec: &BenchSpec, classes: usize) -> Vec<(Vec<f32>, Vec<i64>)> {
    let s = spec.model.input_size();
    (0..2u64)
        .map(|k| {
            let mut rng = rng_for(spec.seed, &[k]);
            let images = (0..spec.batch * 3 * s * s).map(|_| rng.sample::<f32, _>(StandardNormal)).collect();
            let labels = (0..spec.batch).map(|_| rng.random_range(0..classes as i64)).collect();
            (images, labels)
        })
        .collect()
}

/// Times `spec.steps` SGD steps (lr `spec.lr`, momentum 0.9, weight decay 0.0005) after
/// `spec.warmup` untimed ones.
pub fn bench_train(spec: &BenchSpec) -> Result<BenchReport, String> {
    if spec.batch == 0 || spec.steps == 0 {
        return Err("--batch and --steps must be at least 1".into());
    }
    let classes = 2;
    let train = select_device_at(spec.device, spec.precision).map_err(|e| e.to_string())?;
    let device = train.device.clone();
    let mut model = match spec.precision {
        // f32: the same initial weights on every device
        Precision::F32 => spec.model.build_seeded(classes, &Device::flex().autodiff(), spec.seed).fork(&device),
        // f16 parameters must be made on the f16 device
        Precision::F16 => spec.model.build_seeded(classes, &device, spec.seed),
    };
    let data = batches(spec, classes);
    let s = spec.model.input_size();
    let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, weight_decay: 0.0005 });
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut gpu_reserved: Option<u64> = None;
    let mut losses = Vec::with_capacity(spec.warmup + spec.steps);
    let mut step = |model: crate::core::models::Net, k: usize| -> Result<crate::core::models::Net, String> {
        let (images, labels) = &data[k % data.len()];
        let x = Tensor::<4>::from_data(TensorData::new(images.clone(), [spec.batch, 3, s, s]), &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [spec.batch]), &device);
        let logits = with_backend_rng(&device, spec.seed ^ k as u64, || model.forward(x)); // [batch, classes]
        let loss = loss_fn.forward(logits, y);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = sgd.step(model, &|_| spec.lr, grads);
        let value: f32 = loss.into_scalar::<f32>();
        if !value.is_finite() {
            return Err(format!("the loss became {value} at step {}", k + 1));
        }
        losses.push(value.into());
        if let Some(usage) = device.memory_pool_usage() {
            gpu_reserved = Some(gpu_reserved.unwrap_or(0).max(usage.bytes_reserved));
        }
        Ok(model)
    };
    let start = Instant::now();
    for k in 0..spec.warmup {
        model = step(model, k)?;
    }
    device.sync().map_err(|e| format!("the device failed: {e:?}"))?;
    let warmup_seconds = start.elapsed().as_secs_f64();
    let timed = Instant::now();
    for k in spec.warmup..spec.warmup + spec.steps {
        model = step(model, k)?;
    }
    device.sync().map_err(|e| format!("the device failed: {e:?}"))?;
    let seconds = timed.elapsed().as_secs_f64().max(1e-9);
    drop(model);

    let images_per_second = (spec.steps * spec.batch) as f64 / seconds;
    let flop_per_image = 6.0 * spec.model.trace(classes).macs as f64;
    let flop_per_second = flop_per_image * images_per_second;
    let peak = match (&train.gpu, spec.precision) {
        (Some(gpu), Precision::F32) => peak_f32(&gpu.name),
        _ => None,
    };
    Ok(BenchReport {
        model: spec.model.name().into(),
        batch: spec.batch,
        steps: spec.steps,
        warmup: spec.warmup,
        precision: spec.precision.to_string(),
        device: train.description.clone(),
        backend: if train.gpu.is_some() { "wgpu" } else { "flex" }.into(),
        threads: rayon::current_num_threads(),
        warmup_seconds,
        seconds,
        images_per_second,
        losses,
        peak_rss_mb: peak_rss_mb(),
        gpu_reserved_mb: gpu_reserved.map(|b| b as f64 / (1024.0 * 1024.0)),
        flop_per_image,
        flop_per_second,
        peak_flop_per_second: peak,
        peak_fraction: peak.map(|p| flop_per_second / p),
        kernel_cache: train.gpu.map(|g| g.kernels),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_are_found_by_adapter_name() {
        assert_eq!(peak_f32("NVIDIA H200"), Some(67.0e12));
        assert_eq!(peak_f32("NVIDIA H100 PCIe"), Some(51.2e12));
        assert_eq!(peak_f32("NVIDIA A100-SXM4-80GB"), Some(19.5e12));
        assert_eq!(peak_f32("llvmpipe (LLVM 15.0.6, 256 bits)"), None);
    }
}
