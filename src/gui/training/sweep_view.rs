//! The sweep viewer in the Training tab's runs browser: open a sweep folder (local or on a
//! mounted cluster file system), see its runs with their state in a grid, tick runs to overlay
//! their live curves, and read the report once collected; run the form's folds as a local
//! sweep; cancel a sweep's Slurm job arrays and local tasks. The folder (and `squeue`) is read,
//! and cancelling done, on background threads; the UI only drains the results.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

use eframe::egui;

use super::TrainingPanel;
use crate::core::sweep::{
    Cancelled, Grid, Sweep, SweepRunState, SweepSnapshot, cancel_sweep, plan_and_run_local, read_snapshot,
};
use crate::core::train::TrainConfig;

/// How often an open sweep is read again.
const POLL_EVERY: Duration = Duration::from_secs(3);

/// The open sweep, if any, and its last reading.
#[derive(Default)]
pub struct SweepView {
    pub path_text: String,
    pub dir: Option<PathBuf>,
    pub snapshot: Option<SweepSnapshot>,
    pub error: Option<String>,
    /// What the last cancel did.
    pub notice: Option<String>,
    /// Run directories whose curves are overlaid.
    pub selected: Vec<PathBuf>,
    /// The cadet executable the sweep's tasks run (unset: this one).
    pub exe: Option<PathBuf>,
    pending: Option<Receiver<Result<SweepSnapshot, String>>>,
    last_poll: Option<Instant>,
    /// A local sweep started here, while it runs: the failed run indices at the end.
    running: Option<Receiver<Result<Vec<usize>, String>>>,
    /// Tells the local sweep started here to start no more runs.
    stop_local: Option<Arc<AtomicBool>>,
    cancelling: Option<Receiver<Result<Cancelled, String>>>,
}

impl SweepView {
    pub fn open(&mut self, dir: PathBuf) {
        self.dir = Some(dir);
        self.snapshot = None;
        self.error = None;
        self.notice = None;
        self.selected.clear();
        self.last_poll = None;
    }

    /// Starts a background reading when one is due and none is in flight.
    fn poll(&mut self, ctx: &egui::Context) {
        let Some(dir) = self.dir.clone() else { return };
        if self.pending.is_some() || self.last_poll.is_some_and(|t| t.elapsed() < POLL_EVERY) {
            return;
        }
        let (sender, receiver) = sync_channel(1);
        let selected = self.selected.clone();
        let waker = ctx.clone();
        let spawned = std::thread::Builder::new().name("cadet-sweep-poll".into()).spawn(move || {
            let _ = sender.send(read_snapshot(&dir, &selected).map_err(|e| e.to_string()));
            waker.request_repaint();
        });
        match spawned {
            Ok(_) => self.pending = Some(receiver),
            Err(e) => self.error = Some(format!("cannot start the sweep reader: {e}")),
        }
        self.last_poll = Some(Instant::now());
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Whether the open sweep has runs queued or running (or a local sweep runs from here).
    pub fn is_active(&self) -> bool {
        self.is_running()
            || self.snapshot.as_ref().is_some_and(|s| {
                s.rows.iter().any(|r| matches!(r.state, SweepRunState::Queued | SweepRunState::Running))
            })
    }

    /// Cancels the open sweep on a background thread: the local sweep started here starts no
    /// more runs, its Slurm job arrays are cancelled and its local tasks ended.
    pub fn cancel(&mut self, ctx: &egui::Context) {
        let Some(dir) = self.dir.clone() else { return };
        if let Some(stop) = &self.stop_local {
            stop.store(true, Ordering::Relaxed);
        }
        let (sender, receiver) = sync_channel(1);
        let waker = ctx.clone();
        let spawned = std::thread::Builder::new().name("cadet-sweep-cancel".into()).spawn(move || {
            let result = Sweep::load(&dir).and_then(|s| cancel_sweep(&s)).map_err(|e| e.to_string());
            let _ = sender.send(result);
            waker.request_repaint();
        });
        match spawned {
            Ok(_) => self.cancelling = Some(receiver),
            Err(e) => self.error = Some(format!("cannot cancel the sweep: {e}")),
        }
    }

    pub fn is_cancelling(&self) -> bool {
        self.cancelling.is_some()
    }

    /// Runs every fold of `form` as a local sweep in the folder typed, one process at a time,
    /// on a background thread, and opens the folder.
    fn start_local(&mut self, form: &TrainConfig, ctx: &egui::Context) {
        let dir = PathBuf::from(self.path_text.trim());
        let exe = match self.exe.clone().map_or_else(std::env::current_exe, Ok) {
            Ok(exe) => exe,
            Err(e) => {
                self.error = Some(format!("cannot find the cadet executable: {e}"));
                return;
            }
        };
        let grid = Grid {
            tasks: vec![form.task],
            models: vec![form.model],
            regimes: vec![form.regime],
            regions: Vec::new(),
            per_region: false,
            lungs: Vec::new(),
            weights: Default::default(),
            sample_size: Some(form.sample_size),
            ild_study: None,
            base: form.clone(),
        };
        let (sender, receiver) = sync_channel(1);
        let waker = ctx.clone();
        let target = dir.clone();
        let stop = Arc::new(AtomicBool::new(false));
        self.stop_local = Some(stop.clone());
        let spawned = std::thread::Builder::new().name("cadet-sweep-local".into()).spawn(move || {
            let _ = sender.send(plan_and_run_local(&target, grid, &exe, 1, stop).map_err(|e| e.to_string()));
            waker.request_repaint();
        });
        match spawned {
            Ok(_) => {
                self.running = Some(receiver);
                self.open(dir);
            }
            Err(e) => self.error = Some(format!("cannot start the sweep: {e}")),
        }
    }

    /// Takes a finished reading, if one arrived.
    fn drain(&mut self) -> Option<SweepSnapshot> {
        let result = self.pending.as_ref()?.try_recv().ok()?;
        self.pending = None;
        match result {
            Ok(s) => {
                self.error = s.scheduler_error.clone();
                self.snapshot = Some(s.clone());
                Some(s)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

pub fn sweep_ui(ui: &mut egui::Ui, panel: &mut TrainingPanel) {
    ui.heading("Sweep");
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut panel.sweep.path_text).hint_text("sweep folder (with sweep.toml)"));
        if ui.button("Open sweep").clicked() {
            let dir = PathBuf::from(panel.sweep.path_text.trim());
            panel.sweep.open(dir);
        }
    });
    let can_start = !panel.sweep.path_text.trim().is_empty() && !panel.sweep.is_running();
    if ui
        .add_enabled(can_start, egui::Button::new("Run every fold as a local sweep"))
        .on_hover_text("the form's settings, one training per fold, in the folder above")
        .clicked()
    {
        let form = panel.form.clone();
        panel.sweep.start_local(&form, ui.ctx());
    }
    let can_cancel = panel.sweep.dir.is_some() && panel.sweep.is_active() && !panel.sweep.is_cancelling();
    if ui
        .add_enabled(can_cancel, egui::Button::new("Cancel sweep"))
        .on_hover_text("scancel its Slurm job arrays and end its local tasks (they resume when run again)")
        .clicked()
    {
        panel.sweep.cancel(ui.ctx());
    }
    if let Some(done) = panel.sweep.cancelling.as_ref().and_then(|r| r.try_recv().ok()) {
        panel.sweep.cancelling = None;
        panel.sweep.last_poll = None;
        match done {
            Ok(c) => panel.sweep.notice = Some(c.describe()),
            Err(e) => panel.sweep.error = Some(e),
        }
    }
    if let Some(done) = panel.sweep.running.as_ref().and_then(|r| r.try_recv().ok()) {
        panel.sweep.running = None;
        panel.sweep.last_poll = None;
        let stopped = panel.sweep.stop_local.take().is_some_and(|s| s.load(Ordering::Relaxed));
        match done {
            Ok(_) if stopped => panel.sweep.notice = Some("the local sweep was cancelled".into()),
            Ok(failed) if failed.is_empty() => {}
            Ok(failed) => panel.sweep.error = Some(format!("{} runs failed; see their logs", failed.len())),
            Err(e) => panel.sweep.error = Some(e),
        }
    }
    if let Some(s) = panel.sweep.drain() {
        // refresh the overlaid curves of the sweep's selected runs
        for curves in s.curves {
            match panel.overlays.iter_mut().find(|c| c.path == curves.path) {
                Some(old) => *old = curves,
                None => panel.overlays.push(curves),
            }
        }
    }
    panel.sweep.poll(ui.ctx());
    if panel.sweep.dir.is_some() {
        ui.ctx().request_repaint_after(POLL_EVERY);
    }
    if let Some(e) = &panel.sweep.error {
        ui.colored_label(ui.visuals().warn_fg_color, e);
    }
    if let Some(n) = &panel.sweep.notice {
        ui.label(n);
    }
    let Some(snapshot) = panel.sweep.snapshot.clone() else {
        if panel.sweep.dir.is_some() {
            ui.label("reading…");
        }
        return;
    };
    egui::Grid::new("sweep-runs").striped(true).show(ui, |ui| {
        for h in ["run", "state", "epoch", "best val loss", "node"] {
            ui.strong(h);
        }
        ui.end_row();
        for (row, dir) in snapshot.rows.iter().zip(&snapshot.run_dirs) {
            let shown = panel.sweep.selected.contains(dir);
            let mut tick = shown;
            ui.checkbox(&mut tick, &row.name).on_hover_text("overlay its curves");
            let state = ui.label(row.state.label());
            if let crate::core::sweep::SweepRunState::Failed(why) = &row.state {
                state.on_hover_text(why);
            }
            ui.label(format!("{}/{}", row.epochs_completed, row.epochs));
            ui.label(row.best_val_loss.map_or("-".into(), |v| format!("{v:.4}")));
            ui.label(row.node.as_deref().unwrap_or("-"));
            ui.end_row();
            if tick && !shown {
                panel.sweep.selected.push(dir.clone());
                panel.sweep.last_poll = None;
            } else if !tick && shown {
                panel.sweep.selected.retain(|d| d != dir);
                panel.overlays.retain(|c| &c.path != dir);
            }
        }
    });
    if let Some(report) = &snapshot.report {
        ui.collapsing("Report", |ui| {
            ui.label(egui::RichText::new(report).monospace().small());
        });
    }
}
