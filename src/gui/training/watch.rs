//! Keeps the runs list current without blocking the UI: a named thread rescans the runs folder
//! every couple of seconds (runs started by another process or a sweep appear, ended runs show
//! their state) and sends the listing only when it changed. Polling rather than file-system
//! events, so a runs folder on a cluster's network file system is watched too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use eframe::egui;

use super::runs::{RunListing, scan};

/// How often the runs folder is rescanned.
pub const RESCAN_EVERY: Duration = Duration::from_secs(2);

pub struct RunsWatcher {
    dir: PathBuf,
    receiver: Receiver<Vec<RunListing>>,
    stop: Arc<AtomicBool>,
}

impl RunsWatcher {
    /// Starts watching `dir` (the first listing arrives at once); `ctx` is woken on changes.
    pub fn start(dir: &Path, ctx: Option<egui::Context>) -> Self {
        let (sender, receiver) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_dir, thread_stop) = (dir.to_path_buf(), stop.clone());
        let spawned = std::thread::Builder::new().name("cadet-runs-watch".into()).spawn(move || {
            let mut last: Option<Vec<RunListing>> = None;
            while !thread_stop.load(Ordering::Relaxed) {
                let listing = scan(&thread_dir);
                if last.as_ref() != Some(&listing) {
                    if sender.send(listing.clone()).is_err() {
                        return;
                    }
                    if let Some(ctx) = &ctx {
                        ctx.request_repaint();
                    }
                    last = Some(listing);
                }
                for _ in 0..20 {
                    if thread_stop.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(RESCAN_EVERY / 20);
                }
            }
        });
        if let Err(e) = spawned {
            log::error!("cannot watch the runs folder {}: {e}", dir.display());
        }
        Self { dir: dir.to_path_buf(), receiver, stop }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The newest listing since the last call, if the folder changed.
    pub fn latest(&self) -> Option<Vec<RunListing>> {
        self.receiver.try_iter().last()
    }
}

impl Drop for RunsWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
