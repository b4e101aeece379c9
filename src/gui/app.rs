//! The workbench application: owns the state, drains background results each frame and lays
//! out the menu, side panel, views and status bar.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use burn::tensor::wgpu::WgpuSetup;
use eframe::egui;
use eframe::egui_wgpu::RenderState;
use eframe::wgpu;

use super::dialogs::SaveTarget;
use super::dicom_panel::DicomPanel;
use super::eval_panel::EvalPanel;
use super::eval_panel::JumpTarget;
use super::fov_panel::{FovPanel, FovViews};
use super::jobs::{JobId, Jobs};
use super::state::{Settings, ViewerState, Workspace};
use super::study_panel::StudyPanel;
use super::training::{TrainingPanel, training_ui};
use super::viewer::{MaskTextures, SliceRenderer, SliceTextures, gpu};
use super::vis_panel::{VisPanel, VisResult};
use super::{dialogs, menu, status};
use crate::core::open::LoadedVolume;
use crate::core::sampling::Plane;
use crate::core::study::{ImportWarning, Study};

mod dicom;
mod ild;
mod ild_runs;
mod input;
mod navigation;
mod patient_load;
mod results;
mod tabs;

pub(crate) use tabs::notice_ui;

pub use patient_load::MaskResult;
use patient_load::load_with_mask;

/// A study with its import warnings and, when asked for, its first patient's volume and mask.
pub type LoadedStudy = (Study, Vec<ImportWarning>, Option<(LoadedVolume, MaskResult)>);

/// Results of background work.
pub enum JobResult {
    Study {
        path: PathBuf,
        result: Result<LoadedStudy, String>,
    },
    Volume {
        path: PathBuf,
        patient: Option<usize>,
        result: Result<LoadedVolume, String>,
        mask: MaskResult,
    },
    Exported {
        path: PathBuf,
        result: Result<(), String>,
    },
    FovViews(FovViews),
    Vis(usize, Box<VisResult>),
    Evaluated(Result<PathBuf, String>),
    Gallery(PathBuf, Result<Vec<super::eval_panel::GalleryItem>, String>),
    IldEvaluated(Result<PathBuf, String>),
    /// The annotated slices or patches of an ILD run's study, for the Visualisation tab.
    IldTargets(PathBuf, Result<Vec<crate::core::vis::IldTarget>, String>),
}

/// The workbench's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Viewer,
    Training,
    Evaluation,
    Visualisation,
}

/// A message shown at the top of the window until dismissed.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct CadetApp {
    pub workspace: Workspace,
    pub viewer: ViewerState,
    pub settings: Settings,
    pub study_panel: StudyPanel,
    pub fov_panel: FovPanel,
    pub training: TrainingPanel,
    pub vis: VisPanel,
    pub eval: EvalPanel,
    pub dicom: DicomPanel,
    /// The ILD study viewer (shown instead of the tri-planar viewer while an ILD study is open).
    pub ild: super::ild::IldViewer,
    pub tab: Tab,
    /// Where to go once a patient's volume has loaded: (patient index, target).
    pending_jump: Option<(usize, JumpTarget)>,
    /// The latest volume load asked for; the results of loads it superseded are dropped.
    volume_job: Option<JobId>,
    /// A picture waiting for its save dialog.
    pending_picture: Option<crate::core::raster::RgbaImage>,
    pub notice: Option<Notice>,
    pub renderer: SliceRenderer,
    /// The view keyboard slice-stepping applies to (the last one hovered).
    pub active_view: Plane,
    pub jobs: Jobs<JobResult>,
    pub dialogs: dialogs::Dialogs,
    textures: SliceTextures,
    mask_textures: MaskTextures,
    render_state: Option<RenderState>,
    generation: u64,
    /// The volume generation on the GPU.
    gpu_generation: Option<u64>,
    screenshots: (Sender<Arc<egui::ColorImage>>, Receiver<Arc<egui::ColorImage>>),
    pending_screenshot: Option<(PathBuf, egui::Rect)>,
}

impl CadetApp {
    /// Opens `path` (a study folder or a volume); with none, the bundled sample study and the
    /// real chest CT beside it.
    pub fn new(cc: &eframe::CreationContext<'_>, path: Option<PathBuf>) -> Self {
        let settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default();
        crate::core::cache::configure(settings.cache_dir.clone());
        let render_state = cc.wgpu_render_state.clone();
        if let Some(rs) = &render_state {
            gpu::install(rs);
            let info = rs.adapter.get_info();
            // on a software adapter training and inference stay on the CPU (much faster there)
            if info.device_type != wgpu::DeviceType::Cpu {
                crate::core::train::share_wgpu(WgpuSetup {
                    instance: rs.instance.clone(),
                    adapter: rs.adapter.clone(),
                    device: rs.device.clone(),
                    queue: rs.queue.clone(),
                    backend: info.backend,
                });
            }
        }
        let mut app = Self {
            workspace: Workspace::default(),
            viewer: ViewerState::default(),
            settings,
            study_panel: StudyPanel::default(),
            fov_panel: FovPanel::default(),
            training: TrainingPanel::new(None),
            vis: VisPanel::default(),
            eval: EvalPanel::default(),
            dicom: DicomPanel::default(),
            ild: super::ild::IldViewer::new(Some(cc.egui_ctx.clone())),
            tab: Tab::Viewer,
            pending_jump: None,
            volume_job: None,
            pending_picture: None,
            notice: None,
            renderer: if render_state.is_some() { SliceRenderer::Gpu } else { SliceRenderer::Cpu },
            active_view: Plane::Axial,
            jobs: Jobs::new(Some(cc.egui_ctx.clone())),
            dialogs: dialogs::Dialogs::new(cc.egui_ctx.clone()),
            textures: SliceTextures::default(),
            mask_textures: MaskTextures::default(),
            render_state,
            generation: 0,
            gpu_generation: None,
            screenshots: channel(),
            pending_screenshot: None,
        };
        match path {
            Some(p) => app.open(p),
            None => {
                let sample = crate::core::sample_data::sample_data_dir();
                app.open_study(sample.join("synthetic"), false);
                app.open_volume(sample.join("chest_cta_mediastinum.nii.gz"), None, None, None);
            }
        }
        app
    }

    /// Opens a study folder (an ILD database among them) or a volume file in the background.
    pub fn open(&mut self, path: PathBuf) {
        if self.open_ild(&path) {
            return;
        }
        if path.is_dir() && (path.join("study.csv").is_file() || crate::core::study::is_collection(&path)) {
            self.open_study(path, true);
        } else {
            self.open_volume(path, None, None, None);
        }
    }

    fn apply_menu(&mut self, ctx: &egui::Context, action: menu::MenuAction) {
        let dir = self.settings.last_dir.clone();
        match action {
            menu::MenuAction::OpenVolume => self.dialogs.open_volume(dir),
            menu::MenuAction::OpenDicom => self.dialogs.open_dicom(dir),
            menu::MenuAction::OpenStudy => self.dialogs.open_study(dir),
            menu::MenuAction::Open(path) => self.open(path),
            menu::MenuAction::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn open_study(&mut self, path: PathBuf, with_first_volume: bool) {
        let p = path.clone();
        let job = self.jobs.spawn(format!("loading study {}", path.display()), move || {
            let result = Study::load_with_report(&p).map_err(|e| e.to_string()).and_then(|(study, warnings)| {
                let volume = match (with_first_volume, study.patients.first()) {
                    (true, Some(first)) => {
                        let (volume, mask) =
                            load_with_mask(&first.volume_path, first.series.as_deref(), first.mask_path.as_deref());
                        Some((volume?, mask))
                    }
                    _ => None,
                };
                Ok((study, warnings, volume))
            });
            JobResult::Study { path: p, result }
        });
        if with_first_volume {
            self.volume_job = job;
        }
    }

    fn open_volume(&mut self, path: PathBuf, series: Option<String>, patient: Option<usize>, mask: Option<PathBuf>) {
        let p = path.clone();
        self.volume_job = self.jobs.spawn(format!("loading {}", path.display()), move || {
            let (result, mask) = load_with_mask(&p, series.as_deref(), mask.as_deref());
            JobResult::Volume { path: p, patient, result, mask }
        });
    }

    /// Puts the open volume on the GPU when the GPU draws the slices (after a load, or when the
    /// user switches to the GPU); a volume the GPU cannot hold switches drawing to the CPU.
    fn sync_gpu_volume(&mut self) {
        let (SliceRenderer::Gpu, Some(rs), Some(open)) = (self.renderer, &self.render_state, &self.workspace.volume)
        else {
            return;
        };
        if self.gpu_generation == Some(open.generation) {
            return;
        }
        match gpu::upload(rs, &open.volume, open.generation) {
            Ok(()) => self.gpu_generation = Some(open.generation),
            Err(problem) => {
                self.renderer = SliceRenderer::Cpu;
                self.notice = Some(Notice { text: problem, is_error: false });
            }
        }
    }
}

impl eframe::App for CadetApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        for (job, result) in self.jobs.drain() {
            self.apply(Some(job), result);
        }
        self.drain_ild();
        for outcome in self.dialogs.drain() {
            match outcome {
                dialogs::Outcome::Open(path) => self.open(path),
                dialogs::Outcome::Weights(path) => self.training.form.weights = Some(path),
                dialogs::Outcome::IldRoot(path) => self.training.ild.pick(path),
                dialogs::Outcome::Save { target: SaveTarget::IldTable, path } => self.export_ild_table(path),
                dialogs::Outcome::Save { target: SaveTarget::CurvesPng, path } => self.export_curves(path, true),
                dialogs::Outcome::Save { target: SaveTarget::CurvesCsv, path } => self.export_curves(path, false),
                dialogs::Outcome::Save { target: SaveTarget::View { plane, with_overlays }, path } => {
                    self.export_view(ctx, plane, with_overlays, path);
                }
                dialogs::Outcome::Save { target: SaveTarget::FovGrid, path } => self.export_grid(path),
                dialogs::Outcome::Save { target: SaveTarget::Picture, path } => {
                    if let Some(picture) = self.pending_picture.take() {
                        let result = picture.save_png(&path).map_err(|e| format!("{}: {e}", path.display()));
                        self.apply(None, JobResult::Exported { path, result });
                    }
                }
            }
        }
        self.training.drain_events(std::time::Duration::from_millis(4));
        self.training.watch_runs(ctx, false);
        self.sync_gpu_volume();
        self.handle_screenshot(ctx);
        self.dropped_files(ctx);
        self.keyboard(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("menu").resizable(false).show(ui, |ui| {
            let state = menu::MenuState {
                settings: &mut self.settings,
                viewer: &mut self.viewer,
                dicom: &mut self.dicom,
                renderer: &mut self.renderer,
            };
            for action in menu::menu_bar_ui(ui, state) {
                self.apply_menu(ui.ctx(), action);
            }
        });
        egui::Panel::bottom("status").resizable(false).show(ui, |ui| {
            let view = status::StatusView {
                volume: self.workspace.volume.as_ref(),
                viewer: &self.viewer,
                renderer: self.renderer,
                job: self.jobs.running().next(),
            };
            status::status_bar_ui(ui, view);
        });
        self.dicom_windows(ui.ctx());
        egui::Panel::top("tabs").resizable(false).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.tab, Tab::Viewer, "Viewer");
                let training = if self.training.is_active() { "Training (running)" } else { "Training" };
                ui.selectable_value(&mut self.tab, Tab::Training, training);
                ui.selectable_value(&mut self.tab, Tab::Evaluation, "Evaluation");
                ui.selectable_value(&mut self.tab, Tab::Visualisation, "Visualisation");
            });
        });
        match self.tab {
            Tab::Viewer => self.viewer_tab(ui),
            Tab::Visualisation => {
                egui::CentralPanel::default().show(ui, |ui| self.vis_tab(ui));
            }
            Tab::Evaluation => self.eval_tab(ui),
            Tab::Training => {
                let study = self.workspace.study.as_ref().map(|s| s.root.clone());
                let actions = training_ui(ui, &mut self.training, study);
                if actions.choose_weights {
                    self.dialogs.pick_weights();
                }
                if actions.choose_ild_root {
                    self.dialogs.pick_ild_root(self.settings.last_dir.clone());
                }
                if actions.export_png {
                    self.dialogs.save_png(SaveTarget::CurvesPng);
                }
                if actions.export_csv {
                    self.dialogs.save_png(SaveTarget::CurvesCsv);
                }
            }
        }
        if let Some(hovered) = super::viewer::hovered_plane(ui.ctx()) {
            self.active_view = hovered;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}
