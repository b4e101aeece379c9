//! The Visualisation tab: first-layer filters of one run or two side by side (updated whenever a
//! checkpoint changes, so they follow a training run epoch by epoch), the last pooling layer's
//! maps for the selected candidate, the deconvnet reconstruction of a clicked unit and, beside
//! it, Grad-CAM (guided too for the plain chains) of the predicted class; all exportable as PNG.
//! ILD runs are shown an annotated slice or patch of their study instead of a candidate.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use eframe::egui;
use glam::DVec3;

use super::ild_vis_panel::{IldVisState, picker_ui};
use crate::core::eval::load_run_model;
use crate::core::ild::IldClass;
use crate::core::raster::RgbaImage;
use crate::core::train::{CheckpointKind, RunDir};
use crate::core::vis::{
    FilterNormalization, IldTarget, Units, ViewInput, activation_grid, activation_tile, first_layer_filters, grad_cam,
    heatmap_overlay, ild_view_input, pool_figures, reconstruction_image, strip,
};
use crate::core::volume::Volume;

/// Which weights, as of when.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightsKey {
    pub run: PathBuf,
    pub checkpoint: CheckpointKind,
    pub modified: Option<SystemTime>,
}

impl WeightsKey {
    pub fn current(run: PathBuf, checkpoint: CheckpointKind) -> Self {
        let file = run.join("checkpoints").join(checkpoint.dir_name()).join("model.bpk");
        let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
        Self { run, checkpoint, modified }
    }
}

/// A computed picture set for one run.
pub struct VisResult {
    pub key: WeightsKey,
    pub normalization: FilterNormalization,
    pub filters: Result<RgbaImage, String>,
    /// Input view, pool maps grid, the grid's shape and scale, the top units, and the clicked
    /// unit's reconstruction and overlay; or why the view could not be made.
    pub pool: Option<Result<PoolPictures, String>>,
    /// The source of a view that could not be made.
    pub failed_source: Option<ViewSource>,
    /// The unit asked for.
    pub unit: Option<usize>,
}

impl VisResult {
    fn source(&self) -> Option<ViewSource> {
        match self.pool.as_ref()? {
            Ok(p) => Some(p.source.clone()),
            Err(_) => self.failed_source.clone(),
        }
    }
}

/// What the network is shown: an axial view of a lymph-node candidate (its centre), or an
/// annotated slice or patch of an ILD run's study.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewSource {
    Candidate(DVec3),
    Ild(IldTarget),
}

/// A source with what its input is made from.
#[derive(Clone)]
pub enum VisView {
    Candidate(Arc<Volume>, DVec3),
    Ild(IldTarget),
}

impl VisView {
    pub fn source(&self) -> ViewSource {
        match self {
            VisView::Candidate(_, c) => ViewSource::Candidate(*c),
            VisView::Ild(t) => ViewSource::Ild(t.clone()),
        }
    }
}

pub struct PoolPictures {
    pub source: ViewSource,
    pub input: RgbaImage,
    pub grid: RgbaImage,
    pub shape: [usize; 3],
    pub scale: usize,
    pub units: Vec<usize>,
    pub unit: Option<usize>,
    pub reconstruction: Option<(RgbaImage, RgbaImage)>,
    /// Whether the network has a plain chain the deconvnet can reverse.
    pub deconvnet: bool,
    pub gradcam: Option<GradCamPictures>,
}

/// Grad-CAM of the predicted class over the input, and guided Grad-CAM for the plain chains.
pub struct GradCamPictures {
    pub class: usize,
    /// The class's name for ILD runs ("fibrosis"), its number otherwise.
    pub label: String,
    pub overlay: RgbaImage,
    pub guided: Option<RgbaImage>,
}

/// Computes filters and (when a view is given) pool maps and a reconstruction.
pub fn compute(
    key: WeightsKey,
    normalization: FilterNormalization,
    view: Option<VisView>,
    unit: Option<usize>,
) -> VisResult {
    // the GPU the workbench draws on (or trains on), else the CPU
    let device = crate::core::train::inference_device();
    let loaded = RunDir::open(&key.run)
        .map_err(|e| e.to_string())
        .and_then(|run| run.read_config().map_err(|e| e.to_string()).map(|c| (run, c)))
        .and_then(|(run, config)| {
            load_run_model(&run, &config, key.checkpoint, &device).map(|net| (net, config)).map_err(|e| e.to_string())
        });
    let (net, config) = match loaded {
        Ok(x) => x,
        Err(e) => return VisResult { key, normalization, filters: Err(e), pool: None, failed_source: None, unit },
    };
    let filters = first_layer_filters(&net, normalization, 8).map_err(|e| e.to_string());
    let failed_source = view.as_ref().map(VisView::source);
    let pool = view.map(|view| {
        let source = view.source();
        let input = match view {
            VisView::Candidate(volume, center) => ViewInput::axial(&config, volume, center, 64.0),
            VisView::Ild(_) if !config.task.is_ild() => {
                return Err(format!("a {} run: choose a candidate in the Viewer", config.task));
            }
            VisView::Ild(target) => ild_view_input(&config, &target).map_err(|e| e.to_string())?,
        };
        // a unit clicked in another run may be out of range here: then only the maps
        let figures = match unit.map(|u| pool_figures(&net, &input, Units::One(u), 9)) {
            Some(Ok(f)) => f,
            _ => pool_figures(&net, &input, Units::Nothing, 9).map_err(|e| e.to_string())?,
        };
        let reconstruction = figures.reconstructions.first().map(|r| (r.image.clone(), r.overlay.clone()));
        let scale = (96 / figures.shape[1].max(1)).clamp(2, 24);
        let grid = activation_grid(&figures.maps, figures.shape, &figures.strongest, scale);
        let n = input.size;
        let gradcam = grad_cam(&net, &input, None).ok().map(|cam| GradCamPictures {
            class: cam.class,
            label: match IldClass::from_index(cam.class).filter(|_| config.task.is_ild()) {
                Some(c) => c.name().to_string(),
                None => cam.class.to_string(),
            },
            overlay: heatmap_overlay(&input.image, &cam.map),
            guided: cam.guided.as_ref().map(|g| reconstruction_image(g, [n, n])),
        });
        Ok(PoolPictures {
            source,
            input: input.image,
            grid,
            shape: figures.shape,
            scale,
            units: figures.strongest,
            unit,
            reconstruction,
            deconvnet: figures.deconvnet,
            gradcam,
        })
    });
    VisResult { key, normalization, filters, pool, failed_source, unit }
}

/// Tab state: up to two runs, and their textures.
#[derive(Default)]
pub struct VisPanel {
    pub runs: [Option<PathBuf>; 2],
    pub checkpoint: Option<CheckpointKind>,
    pub normalization: Option<FilterNormalization>,
    pub unit: Option<usize>,
    pub results: [Option<VisResult>; 2],
    pub pending: [bool; 2],
    /// The slice or patch ILD runs are shown.
    pub ild: IldVisState,
    textures: Vec<(String, egui::TextureHandle)>,
}

/// What the tab asks for.
#[derive(Default)]
pub struct VisActions {
    /// (slot, weights, normalization, unit) to compute.
    pub compute: Vec<(usize, WeightsKey, FilterNormalization, Option<usize>)>,
    pub export: Option<RgbaImage>,
}

fn texture(panel: &mut VisPanel, ctx: &egui::Context, name: &str, image: &RgbaImage) -> egui::TextureHandle {
    let rgba: Vec<u8> = image.pixels.iter().flatten().copied().collect();
    let color = egui::ColorImage::from_rgba_unmultiplied([image.width, image.height], &rgba);
    let handle = ctx.load_texture(name, color, egui::TextureOptions::NEAREST);
    panel.textures.retain(|(n, _)| n != name);
    panel.textures.push((name.to_string(), handle.clone()));
    handle
}

pub fn vis_ui(
    ui: &mut egui::Ui,
    panel: &mut VisPanel,
    run_names: &[(String, PathBuf)],
    candidate: Option<ViewSource>,
    ild_run: bool,
) -> VisActions {
    let mut actions = VisActions::default();
    let checkpoint = *panel.checkpoint.get_or_insert(CheckpointKind::Best);
    let normalization = *panel.normalization.get_or_insert(FilterNormalization::PerFilter);
    ui.horizontal_wrapped(|ui| {
        for slot in 0..2 {
            let label = if slot == 0 { "Run" } else { "Compare with" };
            let current = panel.runs[slot]
                .as_ref()
                .and_then(|p| run_names.iter().find(|(_, q)| q == p))
                .map_or("(none)".to_string(), |(n, _)| n.clone());
            egui::ComboBox::from_label(label).selected_text(current).show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.runs[slot], None, "(none)");
                for (name, path) in run_names {
                    ui.selectable_value(&mut panel.runs[slot], Some(path.clone()), name);
                }
            });
        }
        let mut cp = checkpoint;
        ui.radio_value(&mut cp, CheckpointKind::Best, "best");
        ui.radio_value(&mut cp, CheckpointKind::Last, "last");
        panel.checkpoint = Some(cp);
        let mut norm = normalization;
        ui.radio_value(&mut norm, FilterNormalization::PerFilter, "per-filter");
        ui.radio_value(&mut norm, FilterNormalization::Global, "global");
        panel.normalization = Some(norm);
    });
    if run_names.is_empty() {
        ui.label("No runs yet: train one in the Training tab (or with `cadet train`).");
    }
    let source = if ild_run {
        picker_ui(ui, &mut panel.ild);
        panel.ild.chosen.clone().map(ViewSource::Ild)
    } else {
        candidate
    };
    for slot in 0..2 {
        let Some(run) = panel.runs[slot].clone() else { continue };
        let key = WeightsKey::current(run, panel.checkpoint.unwrap_or(CheckpointKind::Best));
        let stale = panel.results[slot].as_ref().is_none_or(|r| {
            r.key != key
                || r.normalization != panel.normalization.unwrap_or(FilterNormalization::PerFilter)
                || r.source() != source
                || r.unit != panel.unit
        });
        if stale && !panel.pending[slot] && key.modified.is_some() {
            panel.pending[slot] = true;
            actions.compute.push((
                slot,
                key,
                panel.normalization.unwrap_or(FilterNormalization::PerFilter),
                panel.unit,
            ));
        }
    }
    // the maps, reconstruction and Grad-CAM run below the window's bottom on small screens
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(2, |cols| {
            for slot in 0..2 {
                let ui = &mut cols[slot];
                let Some(result) = panel.results[slot].take() else {
                    if panel.runs[slot].is_some() {
                        ui.spinner();
                    }
                    continue;
                };
                slot_ui(ui, panel, slot, &result, &mut actions);
                panel.results[slot] = Some(result);
            }
        });
    });
    actions
}

fn slot_ui(ui: &mut egui::Ui, panel: &mut VisPanel, slot: usize, result: &VisResult, actions: &mut VisActions) {
    let name = result.key.run.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    ui.strong(format!("{name} ({})", result.key.checkpoint.dir_name()));
    match &result.filters {
        Ok(img) => {
            let tex = texture(panel, ui.ctx(), &format!("filters-{slot}"), img);
            let w = ui.available_width().min(img.width as f32 * 2.0);
            ui.add(egui::Image::new(&tex).fit_to_exact_size(egui::vec2(w, w * img.height as f32 / img.width as f32)));
            if ui.button("Save filters as PNG…").clicked() {
                actions.export = Some(img.clone());
            }
        }
        Err(e) => {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 100), e);
        }
    }
    let pool = match &result.pool {
        Some(Ok(pool)) => pool,
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 100), e);
            return;
        }
        None => {
            ui.label("Select a candidate in the Viewer (or, for an ILD run, a slice above) to see its pool-5 maps.");
            return;
        }
    };
    ui.label(format!(
        "last pooling layer: {} units of {}×{} (strongest outlined; click one)",
        pool.shape[0], pool.shape[1], pool.shape[2]
    ));
    let tex = texture(panel, ui.ctx(), &format!("pool-{slot}"), &pool.grid);
    let size = egui::vec2(pool.grid.width as f32, pool.grid.height as f32);
    let response = ui.add(egui::Image::new(&tex).fit_to_exact_size(size).sense(egui::Sense::click()));
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        let local = p - response.rect.min;
        let clicked = (0..pool.shape[0]).find(|&u| {
            let (x, y, w, h) = activation_tile(pool.shape, u, pool.scale);
            (x as f32..(x + w) as f32).contains(&local.x) && (y as f32..(y + h) as f32).contains(&local.y)
        });
        panel.unit = clicked;
    }
    ui.horizontal(|ui| {
        ui.label(format!("strongest units: {:?}", pool.units));
        if ui.button("Save maps as PNG…").clicked() {
            actions.export = Some(pool.grid.clone());
        }
    });
    let side = egui::vec2(128.0, 128.0);
    ui.horizontal(|ui| {
        let input = texture(panel, ui.ctx(), &format!("input-{slot}"), &pool.input);
        ui.add(egui::Image::new(&input).fit_to_exact_size(side));
        if let Some((recon, over)) = &pool.reconstruction {
            let r = texture(panel, ui.ctx(), &format!("recon-{slot}"), recon);
            let o = texture(panel, ui.ctx(), &format!("overlay-{slot}"), over);
            ui.add(egui::Image::new(&r).fit_to_exact_size(side));
            ui.add(egui::Image::new(&o).fit_to_exact_size(side));
        } else if let Some(u) = pool.unit.filter(|_| !pool.deconvnet) {
            ui.label(format!(
                "unit {u}: the deconvnet needs a plain chain ({})",
                crate::core::vis::reversible_models()
            ));
        }
    });
    let tile = pool.input.width.max(64);
    if let Some((recon, over)) = &pool.reconstruction
        && ui.button("Save reconstruction as PNG…").clicked()
    {
        actions.export = Some(strip(&[&pool.input, recon, over], tile));
    }
    let Some(cam) = &pool.gradcam else { return };
    ui.label(format!("Grad-CAM of class {} (the predicted one) on the last convolutional block", cam.label));
    ui.horizontal(|ui| {
        let o = texture(panel, ui.ctx(), &format!("gradcam-{slot}"), &cam.overlay);
        ui.add(egui::Image::new(&o).fit_to_exact_size(side));
        if let Some(guided) = &cam.guided {
            let g = texture(panel, ui.ctx(), &format!("guided-{slot}"), guided);
            ui.add(egui::Image::new(&g).fit_to_exact_size(side)).on_hover_text("guided Grad-CAM");
        }
    });
    if ui.button("Save Grad-CAM as PNG…").clicked() {
        let mut pictures = vec![&pool.input, &cam.overlay];
        pictures.extend(&cam.guided);
        actions.export = Some(strip(&pictures, tile));
    }
}
