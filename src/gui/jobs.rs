//! A small background task runner: loading and sampling run on worker threads, their results
//! come back as messages that the UI drains each frame, and the UI is woken when one arrives.
//! Every job has an id, so results are matched to the job that made them, in whatever order
//! they finish.

use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

/// Names one spawned job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobId(u64);

/// Runs closures off the UI thread; each result is a message of type `T`.
pub struct Jobs<T> {
    sender: Sender<(JobId, T)>,
    receiver: Receiver<(JobId, T)>,
    running: Vec<(JobId, String)>,
    next: u64,
    ctx: Option<egui::Context>,
}

impl<T: Send + 'static> Jobs<T> {
    pub fn new(ctx: Option<egui::Context>) -> Self {
        let (sender, receiver) = channel();
        Self { sender, receiver, running: Vec::new(), next: 0, ctx }
    }

    /// Starts `work` on a named thread; `label` is shown while it runs. `None` when no thread
    /// could be started (logged).
    pub fn spawn(&mut self, label: impl Into<String>, work: impl FnOnce() -> T + Send + 'static) -> Option<JobId> {
        let label = label.into();
        let id = JobId(self.next);
        self.next += 1;
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new().name(format!("cadet-job: {label}")).spawn(move || {
            let _ = sender.send((id, work()));
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
        match spawned {
            Ok(_) => {
                self.running.push((id, label));
                Some(id)
            }
            Err(e) => {
                log::error!("cannot start a background job ({label}): {e}");
                None
            }
        }
    }

    /// Results that arrived since the last call, each with the id of its job.
    pub fn drain(&mut self) -> Vec<(JobId, T)> {
        let done: Vec<(JobId, T)> = self.receiver.try_iter().collect();
        self.running.retain(|(id, _)| !done.iter().any(|(d, _)| d == id));
        done
    }

    /// Labels of the jobs still running.
    pub fn running(&self) -> impl Iterator<Item = &str> {
        self.running.iter().map(|(_, l)| l.as_str())
    }

    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::sync_channel;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn results_are_matched_to_their_jobs_whatever_order_they_finish_in() {
        let mut jobs: Jobs<&'static str> = Jobs::new(None);
        let (release_slow, wait) = sync_channel::<()>(0);
        let slow = jobs.spawn("slow", move || {
            let _ = wait.recv();
            "slow done"
        });
        let fast = jobs.spawn("fast", || "fast done");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        while got.is_empty() && Instant::now() < deadline {
            got = jobs.drain();
        }
        // the second job finished first: its result carries its id and only its label goes
        assert_eq!(got, vec![(fast.unwrap(), "fast done")]);
        assert_eq!(jobs.running().collect::<Vec<_>>(), vec!["slow"]);
        release_slow.send(()).unwrap();
        let mut got = Vec::new();
        while got.is_empty() && Instant::now() < deadline {
            got = jobs.drain();
        }
        assert_eq!(got, vec![(slow.unwrap(), "slow done")]);
        assert!(!jobs.is_busy());
    }
}
