//! The Training tab: configure a run on the open study, start it on its background thread,
//! watch live curves and progress, pause/resume/stop, resume interrupted runs, and compare runs
//! from the runs folder on the same plots.

mod form;
pub mod plots;
mod runs;
mod sweep_view;
mod task;
mod watch;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

use eframe::egui;

use crate::core::models::ModelKind;
use crate::core::train::{
    DeviceChoice, IterationMetrics, MetricRecord, RunCurves, RunState, RunSummary, Start, TrainConfig, TrainControl,
    TrainEvent, TrainHandle, spawn,
};

pub use runs::RunListing;
pub use sweep_view::SweepView;
pub use task::IldStudyChoice;
pub use watch::RunsWatcher;

/// Where the current run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    Idle,
    /// Started, no iteration yet (loading volumes, compiling GPU kernels).
    WarmingUp,
    Running,
    Paused,
    Finished(RunSummary),
    Failed(String),
}

/// A batch size the device could not hold: the last run that ran out of memory.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryLimit {
    pub model: ModelKind,
    pub input_size: usize,
    pub device: DeviceChoice,
    /// The device's description, as the engine reported it.
    pub device_name: String,
    pub batch: usize,
}

impl MemoryLimit {
    /// Why `form` would run out of memory too, if it would (same model, input size and device,
    /// and at least the batch that failed).
    pub fn refuses(&self, form: &TrainConfig) -> Option<String> {
        let same =
            form.model == self.model && form.pipeline().input_size == self.input_size && form.device == self.device;
        (same && form.batch >= self.batch).then(|| {
            format!(
                "batch {} ran out of memory on {} for {} at {} px; choose a batch below {}",
                self.batch,
                self.device_name,
                self.model.name(),
                self.input_size,
                self.batch
            )
        })
    }
}

pub struct TrainingPanel {
    pub form: TrainConfig,
    pub handle: Option<TrainHandle>,
    events: Option<Receiver<TrainEvent>>,
    pub status: RunStatus,
    pub device: String,
    /// Curves of the run in progress (or the last one).
    pub live: Option<RunCurves>,
    pub last_iteration: Option<IterationMetrics>,
    started: Option<Instant>,
    first_epoch: usize,
    /// The run tunes the GPU's kernels first (the first run on this adapter).
    pub tuning_kernels: bool,
    /// Runs of the runs folder (kept current by `watcher`), and those shown on the plots.
    pub runs: Vec<RunListing>,
    watcher: Option<RunsWatcher>,
    pub overlays: Vec<RunCurves>,
    pub log_loss: bool,
    /// The configuration of the run in progress (or the last one), as the engine started it.
    running: Option<TrainConfig>,
    pub memory_limit: Option<MemoryLimit>,
    /// The sweep folder opened in the runs browser.
    pub sweep: SweepView,
    /// The ILD database the ILD tasks train on.
    pub ild: IldStudyChoice,
}

impl TrainingPanel {
    pub fn new(study: Option<PathBuf>) -> Self {
        let study = study.unwrap_or_else(|| crate::core::sample_data::sample_data_dir().join("synthetic"));
        Self {
            form: TrainConfig::paper_defaults(&study, ModelKind::Cifarnet),
            handle: None,
            events: None,
            status: RunStatus::Idle,
            device: String::new(),
            live: None,
            last_iteration: None,
            started: None,
            first_epoch: 0,
            tuning_kernels: false,
            runs: Vec::new(),
            watcher: None,
            overlays: Vec::new(),
            log_loss: false,
            running: None,
            memory_limit: None,
            sweep: SweepView::default(),
            ild: IldStudyChoice::bundled(),
        }
    }

    /// Takes the runs folder's newest listing from the watcher, (re)starting it when the folder
    /// changed or `restart` asks for an immediate rescan. Call once per frame; never blocks.
    pub fn watch_runs(&mut self, ctx: &egui::Context, restart: bool) {
        let dir = std::path::absolute(&self.form.runs_dir).unwrap_or_else(|_| self.form.runs_dir.clone());
        if restart || self.watcher.as_ref().is_none_or(|w| w.dir() != dir) {
            self.watcher = Some(RunsWatcher::start(&dir, Some(ctx.clone())));
        }
        if let Some(listing) = self.watcher.as_ref().and_then(RunsWatcher::latest) {
            self.runs = listing;
        }
    }

    /// The directory of the run this workbench is training now, if any.
    pub fn current_run(&self) -> Option<&std::path::Path> {
        self.handle.as_ref().filter(|_| self.is_active()).map(|h| h.run_dir.as_path())
    }

    /// Shows a run's end in its runs-list entry at once (the watcher confirms it later).
    fn mark_ended(&mut self, state: RunState) {
        let Some(dir) = self.handle.as_ref().map(|h| h.run_dir.clone()) else { return };
        if let Some(listing) = self.runs.iter_mut().find(|l| l.path == dir) {
            listing.state = state;
        }
    }

    pub fn is_active(&self) -> bool {
        matches!(self.status, RunStatus::WarmingUp | RunStatus::Running | RunStatus::Paused)
    }

    /// Starts a new run or resumes one; events wake the UI through `ctx`.
    pub fn start(&mut self, start: Start, ctx: &egui::Context) -> Result<(), String> {
        let (sender, receiver) = sync_channel(4096);
        let waker = ctx.clone();
        let handle = spawn(start, sender, Arc::new(move || waker.request_repaint())).map_err(|e| e.to_string())?;
        let name = handle.run_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut live = RunCurves { name, path: handle.run_dir.clone(), ..Default::default() };
        // a resumed run shows its earlier epochs too
        if let Ok(old) = crate::core::train::RunDir::open(&handle.run_dir).and_then(|r| RunCurves::load(&r)) {
            live = RunCurves { iterations: old.iterations, epochs: old.epochs, ..live };
        }
        self.live = Some(live);
        self.handle = Some(handle);
        self.events = Some(receiver);
        self.status = RunStatus::WarmingUp;
        self.started = Some(Instant::now());
        self.last_iteration = None;
        Ok(())
    }

    pub fn control(&self, command: TrainControl) {
        if let Some(h) = &self.handle {
            h.send(command);
        }
    }

    /// Applies the events that arrived, spending at most `budget` (the UI stays responsive).
    pub fn drain_events(&mut self, budget: Duration) {
        let Some(receiver) = &self.events else { return };
        let start = Instant::now();
        let mut finished = false;
        let mut ended = None;
        while start.elapsed() < budget {
            let Ok(event) = receiver.try_recv() else { break };
            match event {
                TrainEvent::Started { device, first_epoch, config, tuning_kernels, .. } => {
                    self.device = device;
                    self.tuning_kernels = tuning_kernels;
                    self.first_epoch = first_epoch;
                    self.form.epochs = config.epochs;
                    self.running = Some(*config);
                }
                TrainEvent::Iteration(m) => {
                    if self.status == RunStatus::WarmingUp {
                        self.status = RunStatus::Running;
                    }
                    self.last_iteration = Some(m.clone());
                    if let Some(l) = &mut self.live {
                        l.push(MetricRecord::Iteration(m));
                    }
                }
                TrainEvent::Epoch(m) => {
                    if let Some(l) = &mut self.live {
                        l.push(MetricRecord::Epoch(m));
                    }
                }
                TrainEvent::Paused => self.status = RunStatus::Paused,
                TrainEvent::Resumed => self.status = RunStatus::Running,
                TrainEvent::Finished(s) => {
                    let stopped = s.stopped_by_user && s.epochs_completed < self.form.epochs;
                    ended = Some(if stopped { RunState::Stopped(s.clone()) } else { RunState::Finished(s.clone()) });
                    self.status = RunStatus::Finished(s);
                    finished = true;
                }
                TrainEvent::Failed { message, out_of_memory_batch } => {
                    if let (Some(batch), Some(config)) = (out_of_memory_batch, &self.running) {
                        self.memory_limit = Some(MemoryLimit {
                            model: config.model,
                            input_size: config.pipeline().input_size,
                            device: config.device,
                            device_name: self.device.clone(),
                            batch,
                        });
                    }
                    ended = Some(RunState::Failed(message.clone()));
                    self.status = RunStatus::Failed(message);
                    finished = true;
                }
                TrainEvent::Checkpoint { .. } | TrainEvent::EarlyStop { .. } => {}
            }
        }
        if let Some(state) = ended {
            self.mark_ended(state);
        }
        if finished {
            self.events = None;
            if let Some(h) = self.handle.take() {
                h.join();
            }
        }
    }

    /// Fraction done and the estimated time left, from the last iteration; after the run ended,
    /// the fraction of epochs it completed and no estimate.
    pub fn progress(&self) -> Option<(f32, Option<Duration>)> {
        let m = self.last_iteration.as_ref()?;
        match &self.status {
            RunStatus::Finished(s) => {
                let done = if s.stopped_by_user || s.early_stopped { s.epochs_completed } else { self.form.epochs };
                return Some((done as f32 / self.form.epochs.max(1) as f32, None));
            }
            RunStatus::Failed(_) => {
                let done = m.epoch * m.iterations_per_epoch + m.iteration + 1;
                return Some((done as f32 / (self.form.epochs * m.iterations_per_epoch).max(1) as f32, None));
            }
            _ => {}
        }
        let total = (self.form.epochs * m.iterations_per_epoch).max(1) as f64;
        let done = (m.epoch * m.iterations_per_epoch + m.iteration + 1) as f64;
        let first = (self.first_epoch * m.iterations_per_epoch) as f64;
        let elapsed = self.started?.elapsed().as_secs_f64();
        let rate = (done - first) / elapsed.max(1e-6);
        let eta = (rate > 0.0).then(|| Duration::from_secs_f64((total - done) / rate));
        Some(((done / total) as f32, eta))
    }
}

/// What the tab asks the app to do.
#[derive(Debug, Default, PartialEq)]
pub struct TrainingActions {
    pub choose_weights: bool,
    pub export_png: bool,
    pub export_csv: bool,
    /// Open the folder picker for the ILD study root.
    pub choose_ild_root: bool,
}

pub fn training_ui(ui: &mut egui::Ui, panel: &mut TrainingPanel, study: Option<PathBuf>) -> TrainingActions {
    let mut actions = TrainingActions::default();
    egui::Panel::left("train-form").default_size(330.0).min_size(280.0).show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt("train-form-scroll").show(ui, |ui| {
            form::form_ui(ui, panel, study.as_deref(), &mut actions);
            ui.separator();
            runs::runs_ui(ui, panel);
            ui.separator();
            sweep_view::sweep_ui(ui, panel);
        });
    });
    egui::CentralPanel::default().show(ui, |ui| {
        plots::progress_ui(ui, panel);
        ui.horizontal(|ui| {
            ui.checkbox(&mut panel.log_loss, "Log-scale loss");
            if ui.button("Save plots as PNG…").clicked() {
                actions.export_png = true;
            }
            if ui.button("Save curves as CSV…").clicked() {
                actions.export_csv = true;
            }
        });
        plots::plots_ui(ui, panel);
    });
    actions
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn panel_with(events: Vec<TrainEvent>) -> TrainingPanel {
        let (sender, receiver) = sync_channel(events.len());
        for e in events {
            sender.send(e).unwrap();
        }
        let mut panel = TrainingPanel::new(Some(PathBuf::from("study")));
        panel.events = Some(receiver);
        panel.drain_events(Duration::from_secs(1));
        panel
    }

    fn started(config: TrainConfig) -> TrainEvent {
        started_tuning(config, false)
    }

    fn started_tuning(config: TrainConfig, tuning_kernels: bool) -> TrainEvent {
        TrainEvent::Started {
            run_dir: PathBuf::from("runs/x"),
            config: Box::new(config),
            device: "GPU: test adapter".into(),
            train_patients: vec![],
            val_patients: vec![],
            test_patients: vec![],
            first_epoch: 0,
            tuning_kernels,
        }
    }

    #[test]
    fn a_run_out_of_memory_limits_the_batch_of_the_same_setting() {
        let mut config = TrainConfig::paper_defaults(Path::new("study"), ModelKind::AlexnetH);
        config.device = DeviceChoice::Gpu;
        config.batch = 256;
        let failed = TrainEvent::Failed { message: "out of memory".into(), out_of_memory_batch: Some(256) };
        let panel = panel_with(vec![started(config.clone()), failed]);
        let limit = panel.memory_limit.clone().expect("the failure is remembered");
        assert_eq!((limit.model, limit.input_size, limit.batch), (ModelKind::AlexnetH, 227, 256));
        assert_eq!(limit.device_name, "GPU: test adapter");

        let why = limit.refuses(&config).expect("the batch that failed is refused");
        assert!(why.contains("below 256"), "{why}");
        config.batch = 512;
        assert!(limit.refuses(&config).is_some());
        config.batch = 128;
        assert_eq!(limit.refuses(&config), None);
        // another model, input size or device is not limited by this failure
        config.batch = 256;
        let other_model = TrainConfig { model: ModelKind::AlexnetL, ..config.clone() };
        let other_size = TrainConfig { input_size: Some(128), ..config.clone() };
        let other_device = TrainConfig { device: DeviceChoice::Cpu, ..config.clone() };
        for c in [other_model, other_size, other_device] {
            assert_eq!(limit.refuses(&c), None);
        }
    }

    #[test]
    fn a_cold_gpu_says_it_is_tuning_kernels_until_the_first_iteration() {
        let config = TrainConfig::paper_defaults(Path::new("study"), ModelKind::Cifarnet);
        let cold = started_tuning(config, true);
        let mut panel = panel_with(vec![cold]);
        panel.status = RunStatus::WarmingUp;
        let text = plots::status_text(&panel);
        assert!(text.contains("tuning kernels (first run on this GPU)"), "{text}");
        panel.tuning_kernels = false;
        assert!(!plots::status_text(&panel).contains("tuning kernels"));
    }

    #[test]
    fn other_failures_set_no_limit() {
        let config = TrainConfig::paper_defaults(Path::new("study"), ModelKind::Cifarnet);
        let failed = TrainEvent::Failed { message: "the loss became NaN".into(), out_of_memory_batch: None };
        let panel = panel_with(vec![started(config), failed]);
        assert_eq!(panel.memory_limit, None);
        assert_eq!(panel.status, RunStatus::Failed("the loss became NaN".into()));
    }
}
