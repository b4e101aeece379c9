//! A small background task runner: loading and sampling run on worker threads, their results
//! come back as messages that the UI drains each frame, and the UI is woken when one arrives.

use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

/// Runs closures off the UI thread; each result is a message of type `T`.
pub struct Jobs<T> {
    sender: Sender<T>,
    receiver: Receiver<T>,
    running: Vec<String>,
    ctx: Option<egui::Context>,
}

impl<T: Send + 'static> Jobs<T> {
    pub fn new(ctx: Option<egui::Context>) -> Self {
        let (sender, receiver) = channel();
        Self { sender, receiver, running: Vec::new(), ctx }
    }

    /// Starts `work` on a named thread; `label` is shown while it runs.
    pub fn spawn(&mut self, label: impl Into<String>, work: impl FnOnce() -> T + Send + 'static) {
        let label = label.into();
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new().name(format!("cadet-job: {label}")).spawn(move || {
            let _ = sender.send(work());
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
        match spawned {
            Ok(_) => self.running.push(label),
            Err(e) => log::error!("cannot start a background job ({label}): {e}"),
        }
    }

    /// Results that arrived since the last call.
    pub fn drain(&mut self) -> Vec<T> {
        let done: Vec<T> = self.receiver.try_iter().collect();
        for _ in 0..done.len() {
            if !self.running.is_empty() {
                self.running.remove(0);
            }
        }
        done
    }

    /// Labels of the jobs still running.
    pub fn running(&self) -> &[String] {
        &self.running
    }

    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
    }
}
