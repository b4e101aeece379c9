//! A prefetching loader: a worker thread renders batches ahead of the trainer into a bounded
//! channel, so sampling overlaps with the forward and backward passes and only a few batches
//! exist at a time.

use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use super::ViewSource;
use super::pipeline::{Batch, Purpose};
use super::plan::Sample;

/// What turns samples into a batch: 2.5D views of a study's candidates, or another dataset
/// (the ILD patches and slices).
pub trait RenderBatch: Send + 'static {
    fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch;
}

impl RenderBatch for ViewSource {
    fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch {
        ViewSource::render_batch(self, samples, purpose)
    }
}

/// Batches of one pass, rendered ahead by a named worker thread.
pub struct Prefetcher {
    receiver: Receiver<Batch>,
    worker: Option<JoinHandle<()>>,
}

impl Prefetcher {
    /// Starts rendering `samples` in batches of `batch_size`, keeping at most `depth` ready.
    pub fn start(
        source: impl RenderBatch,
        samples: Vec<Sample>,
        batch_size: usize,
        depth: usize,
        purpose: Purpose,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = sync_channel(depth.max(1));
        let worker = std::thread::Builder::new().name("cadet-loader".into()).spawn(move || {
            for chunk in samples.chunks(batch_size.max(1)) {
                let batch = source.render_batch(chunk, purpose);
                if sender.send(batch).is_err() {
                    return; // the trainer stopped listening
                }
            }
        })?;
        Ok(Self { receiver, worker: Some(worker) })
    }
}

impl Iterator for Prefetcher {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        self.receiver.recv().ok()
    }
}

impl Drop for Prefetcher {
    fn drop(&mut self) {
        // drain so a blocked worker can finish, then join it
        while self.receiver.try_recv().is_ok() {}
        if let Some(w) = self.worker.take() {
            drop(std::mem::replace(&mut self.receiver, sync_channel(1).1));
            let _ = w.join();
        }
    }
}
