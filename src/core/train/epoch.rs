//! One training epoch and one validation pass over streamed batches.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use burn::nn::loss::CrossEntropyLoss;
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::events::{IterationMetrics, TrainControl};
use super::sgd::Sgd;
use crate::core::dataset::{Batch, Prefetcher};
use crate::core::models::Net;
use crate::core::seed::{mix_seed, stream, with_backend_rng};

/// Why an epoch ended early.
#[derive(Debug, PartialEq)]
pub enum Interrupt {
    Stopped,
    Failed(String),
    /// The training step panicked (the device ran out of memory, or a kernel failed); the
    /// panic's message.
    Panicked(String),
}

/// Pause/stop handling between iterations.
pub struct Controls<'a> {
    pub receiver: &'a Receiver<TrainControl>,
    pub on_pause: &'a dyn Fn(bool),
}

impl Controls<'_> {
    /// Returns `true` when the run must stop; blocks while paused.
    fn should_stop(&self) -> bool {
        let mut paused = false;
        loop {
            let command = if paused { self.receiver.recv().ok() } else { self.receiver.try_recv().ok() };
            match command {
                Some(TrainControl::Stop) => return true,
                Some(TrainControl::Pause) if !paused => {
                    paused = true;
                    (self.on_pause)(true);
                }
                Some(TrainControl::Resume) if paused => {
                    (self.on_pause)(false);
                    return false;
                }
                Some(_) => {}
                None if paused => return true, // every controller is gone
                None => return false,
            }
        }
    }
}

fn to_tensors(batch: Batch, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let n = batch.labels.len();
    let s = batch.size;
    let x = Tensor::<4>::from_data(TensorData::new(batch.images, [n, 3, s, s]), device); // [n, 3, s, s]
    let y = Tensor::<1, Int>::from_data(TensorData::new(batch.labels, [n]), device);
    (x, y)
}

pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown error".into())
}

/// Parameters of the training pass of one epoch.
pub struct EpochParams<'a> {
    pub loss_fn: &'a CrossEntropyLoss,
    pub device: &'a Device,
    pub epoch: usize,
    pub iterations: usize,
    pub first_global_iteration: usize,
    /// The run's seed: each iteration's dropout masks derive from it and the global iteration,
    /// so a resumed run repeats them exactly.
    pub seed: u64,
    pub lr: f64,
    pub lr_multiplier: &'a dyn Fn(&str) -> f64,
}

/// Running loss and accuracy of an epoch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    pub loss_sum: f64,
    pub correct: usize,
    pub seen: usize,
    /// Seconds spent waiting for the loader.
    pub wait_seconds: f64,
    /// Seconds of the whole pass.
    pub seconds: f64,
}

impl Totals {
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.seen.max(1) as f64
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.seen.max(1) as f64
    }
}

/// Trains on every batch of `loader`; returns the model and the epoch's totals.
pub fn train_epoch(
    mut model: Net,
    sgd: &mut Sgd,
    mut loader: Prefetcher,
    params: &EpochParams<'_>,
    controls: &Controls<'_>,
    on_iteration: &mut dyn FnMut(IterationMetrics),
) -> (Net, Totals, Option<Interrupt>) {
    let mut totals = Totals::default();
    let mut clock = Instant::now();
    let pass = Instant::now();
    for iteration in 0.. {
        let waiting = Instant::now();
        let Some(batch) = loader.next() else { break };
        totals.wait_seconds += waiting.elapsed().as_secs_f64();
        totals.seconds = pass.elapsed().as_secs_f64();
        if controls.should_stop() {
            return (model, totals, Some(Interrupt::Stopped));
        }
        let n = batch.labels.len();
        let (x, y) = to_tensors(batch, params.device);
        let loss_fn = params.loss_fn;
        let lr = params.lr;
        let multiplier = params.lr_multiplier;
        let snapshot = model.clone();
        let dropout_seed =
            mix_seed(mix_seed(params.seed, stream::DROPOUT), (params.first_global_iteration + iteration) as u64);
        let step = catch_unwind(AssertUnwindSafe(|| {
            let logits = with_backend_rng(params.device, dropout_seed, || model.forward(x)); // [n, classes]
            let loss = loss_fn.forward(logits.clone(), y.clone());
            let loss_value: f64 = loss.clone().into_scalar::<f32>().into();
            if !loss_value.is_finite() {
                return (model, loss_value, 0);
            }
            let correct: i64 = logits.argmax(1).reshape([n]).equal(y).int().sum().into_scalar::<i64>();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            (sgd.step(model, &|path| lr * multiplier(path), grads), loss_value, correct as usize)
        }));
        let (next, loss_value, correct) = match step {
            Ok(result) => result,
            Err(payload) => {
                return (snapshot, totals, Some(Interrupt::Panicked(panic_message(payload))));
            }
        };
        model = next;
        if !loss_value.is_finite() {
            let message = format!(
                "the loss became {loss_value} at epoch {} iteration {iteration}; lower the learning rate (now {lr})",
                params.epoch + 1
            );
            return (model, totals, Some(Interrupt::Failed(message)));
        }
        totals.loss_sum += loss_value * n as f64;
        totals.correct += correct;
        totals.seen += n;
        totals.seconds = pass.elapsed().as_secs_f64();
        let seconds = clock.elapsed().as_secs_f64().max(1e-9);
        clock = Instant::now();
        on_iteration(IterationMetrics {
            epoch: params.epoch,
            iteration,
            global_iteration: params.first_global_iteration + iteration,
            iterations_per_epoch: params.iterations,
            loss: loss_value,
            lr,
            images_per_second: n as f64 / seconds,
        });
    }
    (model, totals, None)
}

/// Mean loss and accuracy of `model` (in evaluation mode) over the loader's batches.
pub fn validate(model: &Net, loader: Prefetcher, loss_fn: &CrossEntropyLoss, device: &Device) -> Totals {
    let eval_model = model.valid();
    let plain = device.clone().without_autodiff();
    let mut totals = Totals::default();
    for batch in loader {
        let n = batch.labels.len();
        let (x, y) = to_tensors(batch, &plain);
        let logits = eval_model.forward(x);
        let loss: f64 = loss_fn.forward(logits.clone(), y.clone()).into_scalar::<f32>().into();
        let correct: i64 = logits.argmax(1).reshape([n]).equal(y).int().sum().into_scalar::<i64>();
        totals.loss_sum += loss * n as f64;
        totals.correct += correct as usize;
        totals.seen += n;
    }
    totals
}
