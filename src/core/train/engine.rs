//! The training engine: a named thread that owns the device and the model, streams batches,
//! trains, validates, checkpoints and reports events; it obeys pause, resume and stop, and can
//! continue an interrupted run from its last checkpoint with the same data order and schedule.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;

use super::config::TrainConfig;
use super::data::open_data;
use super::device::select_device;
use super::epoch::{Controls, EpochParams, Interrupt, panic_message, train_epoch, validate};
use super::events::{CheckpointKind, EpochMetrics, MetricRecord, RunSummary, TrainControl, TrainEvent};
use super::regime::{build_model, lr_multiplier};
use super::run_dir::{Progress, RunDir};
use super::sgd::{Sgd, SgdConfig};
use crate::core::dataset::Purpose;
use crate::core::models::Net;

/// A new run, or the continuation of an interrupted one.
#[derive(Clone, Debug)]
pub enum Start {
    New(Box<TrainConfig>),
    Resume(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    RunDir(#[from] super::run_dir::RunDirError),
    #[error("cannot start the training thread: {0}")]
    Thread(std::io::Error),
}

/// A running training thread: send it commands, wait for it.
pub struct TrainHandle {
    pub run_dir: PathBuf,
    control: Sender<TrainControl>,
    thread: Option<JoinHandle<()>>,
}

impl TrainHandle {
    pub fn send(&self, command: TrainControl) {
        // a finished thread has dropped its receiver; nothing to do then
        let _ = self.control.send(command);
    }

    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the thread to end.
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Everything the thread needs, prepared before it starts.
struct Job {
    config: TrainConfig,
    run: RunDir,
    resume: bool,
}

fn prepare(start: Start) -> Result<Job, TrainError> {
    match start {
        Start::New(config) => {
            let config = config
                .with_absolute_paths()
                .map_err(|e| TrainError::Setup(format!("cannot resolve the run's paths: {e}")))?;
            config.validate().map_err(TrainError::Setup)?;
            let run = RunDir::create(&config.runs_dir, &config.name)?;
            run.write_config(&config)?;
            Ok(Job { config, run, resume: false })
        }
        Start::Resume(path) => {
            let run = RunDir::open(&path)?;
            let config = run.read_config()?;
            Ok(Job { config, run, resume: true })
        }
    }
}

/// Starts training on its own thread. Events go to `events` (bounded: the thread waits when
/// nobody reads); `wake` is called after each event (the workbench passes a repaint request).
pub fn spawn(
    start: Start,
    events: SyncSender<TrainEvent>,
    wake: Arc<dyn Fn() + Send + Sync>,
) -> Result<TrainHandle, TrainError> {
    let job = prepare(start)?;
    let run_dir = job.run.path.clone();
    let (control, receiver) = channel();
    let thread = std::thread::Builder::new()
        .name("cadet-train".into())
        .spawn(move || {
            let emit = |event: TrainEvent| {
                let _ = events.send(event);
                wake();
            };
            let run = job.run.clone();
            let batch = job.config.batch;
            // a panic anywhere in the run (validation included) still ends it with an event
            let outcome = catch_unwind(AssertUnwindSafe(|| run_job(job, &receiver, &emit)))
                .unwrap_or_else(|payload| Err(Failure::from_panic(&panic_message(payload), batch)));
            match outcome {
                Ok(summary) => {
                    let _ = run.write_json("summary.json", &summary);
                    run.log(&format!("finished: {summary:?}"));
                    emit(TrainEvent::Finished(summary));
                }
                Err(Failure { message, out_of_memory_batch }) => {
                    run.log(&format!("failed: {message}"));
                    emit(TrainEvent::Failed { message, out_of_memory_batch });
                }
            }
        })
        .map_err(TrainError::Thread)?;
    Ok(TrainHandle { run_dir, control, thread: Some(thread) })
}

/// Runs to the end on the calling thread, passing every event to `on_event` (for the CLI and
/// tests). Returns the run directory.
pub fn train_blocking(start: Start, on_event: &mut dyn FnMut(&TrainEvent)) -> Result<PathBuf, TrainError> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(64);
    let handle = spawn(start, sender, Arc::new(|| {}))?;
    for event in receiver.iter() {
        on_event(&event);
    }
    let dir = handle.run_dir.clone();
    handle.join();
    Ok(dir)
}

fn save_checkpoint(
    run: &RunDir,
    kind: CheckpointKind,
    model: &Net,
    sgd: &Sgd,
    progress: &Progress,
) -> Result<PathBuf, String> {
    run.replace_checkpoint(kind, |dir| {
        let fail = |e: String| super::run_dir::RunDirError { path: dir.to_path_buf(), detail: e };
        model.clone().save_file(dir.join("model.bpk")).map_err(|e| fail(e.to_string()))?;
        sgd.save(&dir.join("sgd.safetensors")).map_err(|e| fail(e.to_string()))?;
        let text = serde_json::to_string_pretty(progress).map_err(|e| fail(e.to_string()))?;
        std::fs::write(dir.join("progress.json"), text).map_err(|e| fail(e.to_string()))
    })
    .map_err(|e| e.to_string())
}

fn load_checkpoint(run: &RunDir, model: Net, sgd: &mut Sgd, device: &Device) -> Result<(Net, Progress), String> {
    let dir = run.checkpoint_dir(CheckpointKind::Last);
    let progress = run.read_progress(CheckpointKind::Last).map_err(|e| e.to_string())?;
    let model = model.try_load_file(dir.join("model.bpk")).map_err(|e| format!("{}: {e}", dir.display()))?;
    sgd.load(&dir.join("sgd.safetensors"), device).map_err(|e| e.to_string())?;
    Ok((model, progress))
}

/// Why a run ended in failure: the message for the user, and the batch size when the device ran
/// out of memory.
struct Failure {
    message: String,
    out_of_memory_batch: Option<usize>,
}

impl Failure {
    /// A panic of the training thread: out of memory when the message is one of the device's
    /// out-of-memory errors (burn and cubecl panic with the allocator's error), otherwise the
    /// message itself.
    fn from_panic(message: &str, batch: usize) -> Self {
        if is_out_of_memory(message) {
            let message = format!("the device ran out of memory at batch size {batch}: lower the batch ({message})");
            Self { message, out_of_memory_batch: Some(batch) }
        } else {
            format!("the training thread failed: {message}").into()
        }
    }
}

/// The words of the out-of-memory errors a training step can panic with: cubecl's
/// `IoError::OutOfMemory`, `IoError::BufferTooBig` and `LaunchError::OutOfMemory`, wgpu's
/// `Error::OutOfMemory`, wgpu-core's `DeviceError::OutOfMemory`, and Vulkan's result codes as
/// drivers report them.
const OUT_OF_MEMORY_ERRORS: [&str; 7] = [
    "out of device memory allocating",
    "An out-of-memory error happened during launch",
    "can't allocate buffer of size",
    "Out of Memory",
    "Not enough memory left",
    "ERROR_OUT_OF_DEVICE_MEMORY",
    "ERROR_OUT_OF_HOST_MEMORY",
];

/// Whether a panic message is a device out-of-memory error (and not merely about memory).
fn is_out_of_memory(message: &str) -> bool {
    OUT_OF_MEMORY_ERRORS.iter().any(|words| message.contains(words))
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self { message, out_of_memory_batch: None }
    }
}

fn run_job(job: Job, receiver: &Receiver<TrainControl>, emit: &dyn Fn(TrainEvent)) -> Result<RunSummary, Failure> {
    let Job { config, run, resume } = job;
    let started = Instant::now();
    let (opened, split, record) = open_data(&config, &run)?;
    run.write_json("split.json", &record).map_err(|e| e.to_string())?;
    let device = select_device(config.device).map_err(|e| e.to_string())?;
    let data = opened.load(&config, &split)?;

    let mut model = build_model(&config, &device.device, &mut |line| run.log(line)).map_err(|e| e.to_string())?;
    let mut sgd = Sgd::new(SgdConfig { momentum: config.momentum, weight_decay: config.weight_decay });
    let mut progress = Progress::default();
    if resume {
        (model, progress) = load_checkpoint(&run, model, &mut sgd, &device.device)?;
        run.truncate_metrics(progress.epochs_completed).map_err(|e| e.to_string())?;
        run.log(&format!("resumed after epoch {}", progress.epochs_completed));
    }
    run.log(&format!("training {} ({}) on {}", config.model, config.regime.name(), device.description));
    emit(TrainEvent::Started {
        run_dir: run.path.clone(),
        config: Box::new(config.clone()),
        device: device.description.clone(),
        train_patients: record.train.clone(),
        val_patients: record.val.clone(),
        test_patients: record.test.clone(),
        first_epoch: progress.epochs_completed,
        tuning_kernels: device.tuning_kernels(),
    });

    let loss_fn = CrossEntropyLossConfig::new().init(&device.device);
    let val_samples = data.fixed_samples(&split.val, &config);
    let multiplier = |path: &str| lr_multiplier(config.regime, config.model, path);
    let on_pause = |paused: bool| emit(if paused { TrainEvent::Paused } else { TrainEvent::Resumed });
    let controls = Controls { receiver, on_pause: &on_pause };
    let (mut stopped, mut early_stopped) = (false, false);
    let seconds_before = progress.seconds;
    for epoch in progress.epochs_completed..config.epochs {
        let epoch_start = Instant::now();
        let samples = data.epoch_samples(&split.train, &config, epoch);
        let iterations = samples.len().div_ceil(config.batch);
        let loader = data.loader(samples, &config, Purpose::Train).map_err(|e| e.to_string())?;
        let params = EpochParams {
            loss_fn: &loss_fn,
            device: &device.device,
            epoch,
            iterations,
            first_global_iteration: progress.global_iteration,
            seed: config.seed,
            lr: config.lr_at(epoch),
            lr_multiplier: &multiplier,
        };
        let mut on_iteration = |m: super::events::IterationMetrics| {
            let _ = run.append_metric(&MetricRecord::Iteration(m.clone()));
            emit(TrainEvent::Iteration(m));
        };
        let (trained, totals, interrupt) = train_epoch(model, &mut sgd, loader, &params, &controls, &mut on_iteration);
        model = trained;
        match interrupt {
            Some(Interrupt::Stopped) => {
                stopped = true;
                break;
            }
            Some(Interrupt::Failed(message)) => return Err(message.into()),
            Some(Interrupt::Panicked(message)) => return Err(Failure::from_panic(&message, config.batch)),
            None => {}
        }
        let val_loader = data.loader(val_samples.clone(), &config, Purpose::Validate).map_err(|e| e.to_string())?;
        let val = validate(&model, val_loader, &loss_fn, &device.device);
        let metrics = EpochMetrics {
            epoch,
            train_loss: totals.loss(),
            train_accuracy: totals.accuracy(),
            val_loss: val.loss(),
            val_accuracy: val.accuracy(),
            lr: config.lr_at(epoch),
            seconds: epoch_start.elapsed().as_secs_f64(),
            data_wait_seconds: totals.wait_seconds,
            images_per_second: totals.seen as f64 / totals.seconds.max(1e-9),
        };
        run.append_metric(&MetricRecord::Epoch(metrics.clone())).map_err(|e| e.to_string())?;
        run.log(&format!(
            "epoch {}: train loss {:.4} acc {:.3}, val loss {:.4} acc {:.3}, {:.0} img/s, waited {:.2} s for data",
            epoch + 1,
            metrics.train_loss,
            metrics.train_accuracy,
            metrics.val_loss,
            metrics.val_accuracy,
            metrics.images_per_second,
            metrics.data_wait_seconds
        ));
        emit(TrainEvent::Epoch(metrics.clone()));

        progress.epochs_completed = epoch + 1;
        progress.global_iteration += iterations;
        progress.seconds = seconds_before + started.elapsed().as_secs_f64();
        let improved = progress.best_val_loss.is_none_or(|best| metrics.val_loss < best);
        if improved {
            progress.best_val_loss = Some(metrics.val_loss);
            progress.best_val_accuracy = Some(metrics.val_accuracy);
            progress.best_epoch = Some(epoch);
            progress.epochs_without_improvement = 0;
        } else {
            progress.epochs_without_improvement += 1;
        }
        let path = save_checkpoint(&run, CheckpointKind::Last, &model, &sgd, &progress)?;
        emit(TrainEvent::Checkpoint { epoch, kind: CheckpointKind::Last, path });
        if improved {
            let path = save_checkpoint(&run, CheckpointKind::Best, &model, &sgd, &progress)?;
            emit(TrainEvent::Checkpoint { epoch, kind: CheckpointKind::Best, path });
        }
        if let (Some(patience), Some(best_epoch)) = (config.patience, progress.best_epoch)
            && progress.epochs_without_improvement >= patience
        {
            early_stopped = true;
            run.log(&format!("early stop after epoch {} (best epoch {})", epoch + 1, best_epoch + 1));
            emit(TrainEvent::EarlyStop { epoch, best_epoch });
            break;
        }
    }
    Ok(RunSummary {
        epochs_completed: progress.epochs_completed,
        best_epoch: progress.best_epoch,
        best_val_loss: progress.best_val_loss,
        best_val_accuracy: progress.best_val_accuracy,
        stopped_by_user: stopped,
        early_stopped,
        seconds: seconds_before + started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_about_memory_is_an_out_of_memory_failure_at_the_batch() {
        let oom = Failure::from_panic("out of device memory allocating 1099511627776 bytes\n", 128);
        assert_eq!(oom.out_of_memory_batch, Some(128));
        assert!(oom.message.contains("batch size 128"), "{}", oom.message);
        assert!(oom.message.contains("1099511627776"), "the allocator's words are kept: {}", oom.message);
        let other = Failure::from_panic("index out of bounds", 128);
        assert_eq!(other.out_of_memory_batch, None);
        assert!(other.message.contains("index out of bounds"));
        // the errors of wgpu, wgpu-core and cubecl's buffer limit, as they print
        for message in [
            "wgpu error: Out of Memory",
            "Device error: Not enough memory left.",
            "can't allocate buffer of size: 68719476736\n",
            "An out-of-memory error happened during launch\nCaused by:\n  pool exhausted",
            "vkAllocateMemory failed: ERROR_OUT_OF_DEVICE_MEMORY",
        ] {
            assert_eq!(Failure::from_panic(message, 64).out_of_memory_batch, Some(64), "{message}");
        }
        // panics that merely mention memory are not out-of-memory failures
        for message in ["cannot map the volume cache: memory map failed", "shared memory exceeds the kernel's limit"] {
            assert_eq!(Failure::from_panic(message, 64).out_of_memory_batch, None, "{message}");
        }
    }
}
