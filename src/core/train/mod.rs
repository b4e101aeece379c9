//! The training engine (headless): configuration, device choice, the three regimes, our SGD,
//! run directories with checkpoints, and the training thread with its events.

mod bench;
mod config;
mod curves;
mod data;
mod device;
mod engine;
mod epoch;
mod events;
mod kernels;
mod regime;
mod run_dir;
mod run_state;
mod sgd;
mod task;
mod views;

pub use bench::{BENCH_LR, BenchReport, BenchSpec, bench_train, peak_rss_mb};
pub use config::{DeviceChoice, Regime, TrainConfig};
pub use curves::{RunCurves, write_curves_csv};
pub use data::{ild_fold_split, open_ild};
pub use device::{
    DeviceError, GpuInfo, Precision, TrainDevice, gpu, inference_device, select_device, select_device_at, share_wgpu,
};
pub use engine::{Start, TrainError, TrainHandle, spawn, train_blocking};
pub use events::{CheckpointKind, EpochMetrics, IterationMetrics, MetricRecord, RunSummary, TrainControl, TrainEvent};
pub use kernels::{KernelCache, configure_kernels, kernel_cache_root};
pub use regime::{RegimeError, build_model, lr_multiplier};
pub use run_dir::{Progress, RunDir, RunDirError, SplitRecord, list_runs};
pub use run_state::{ACTIVE_WITHIN, RunState};
pub use sgd::{Sgd, SgdConfig};
pub use task::Task;
