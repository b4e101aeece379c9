//! What the workbench shows: the open study and volume, the shared 3-D cursor, window/level,
//! per-view zoom and pan, overlay toggles, and the settings that persist between sessions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use glam::DVec3;
use serde::{Deserialize, Serialize};

use crate::core::mask::NodeMask;
use crate::core::open::VolumeSource;
use crate::core::sampling::Plane;
use crate::core::study::Study;
use crate::core::volume::Volume;
use crate::core::window::{Window, WindowPreset};
use crate::gui::viewer::mask::MaskStyle;

/// Persisted between sessions (eframe storage).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Most recent first.
    pub recent: Vec<PathBuf>,
    pub last_dir: Option<PathBuf>,
    /// The volume cache folder, when moved from the default.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

impl Settings {
    pub const MAX_RECENT: usize = 10;

    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path.clone());
        self.recent.truncate(Self::MAX_RECENT);
        self.last_dir = path.parent().map(PathBuf::from);
    }
}

/// A volume on screen.
pub struct OpenVolume {
    pub path: PathBuf,
    pub volume: Arc<Volume>,
    /// What the file or DICOM series said about the volume.
    pub source: VolumeSource,
    /// Increases with every newly opened volume (textures and GPU uploads key on it).
    pub generation: u64,
    /// The patient's instance-label mask, loaded with the volume.
    pub mask: Option<Arc<NodeMask>>,
}

/// The open study (if any), patient, volume and candidate.
#[derive(Default)]
pub struct Workspace {
    pub study: Option<Arc<Study>>,
    pub patient: Option<usize>,
    pub volume: Option<OpenVolume>,
    pub candidate: Option<usize>,
    /// Candidate scores from an evaluation, keyed by (patient id, candidate id).
    pub scores: HashMap<(String, usize), f64>,
}

impl Workspace {
    pub fn patient(&self) -> Option<&crate::core::study::Patient> {
        Some(&self.study.as_ref()?.patients[self.patient?])
    }
}

/// Zoom and pan of one view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewTransform {
    pub zoom: f32,
    pub pan: egui::Vec2,
}

impl Default for ViewTransform {
    fn default() -> Self {
        Self { zoom: 1.0, pan: egui::Vec2::ZERO }
    }
}

/// How to draw the three views.
pub struct ViewerState {
    /// The shared 3-D cursor, in continuous voxel coordinates of the open volume.
    pub cursor_voxel: DVec3,
    pub window: Window,
    /// The preset the window came from (`None` once adjusted by hand).
    pub preset: Option<WindowPreset>,
    pub transforms: [ViewTransform; 3],
    pub maximized: Option<Plane>,
    pub show_candidates: bool,
    pub show_lesions: bool,
    pub show_crosshair: bool,
    /// Draw the patient's node mask (when it has one), and how.
    pub show_mask: bool,
    pub mask_style: MaskStyle,
    /// World point (mm) and HU under the mouse, for the status bar.
    pub hover: Option<(DVec3, Option<f32>)>,
    /// Outlines of a sampled view's planes to draw in the main views (world corners, mm).
    pub highlight_planes: Vec<[DVec3; 4]>,
}

impl Default for ViewerState {
    fn default() -> Self {
        Self {
            cursor_voxel: DVec3::ZERO,
            window: WindowPreset::SoftTissue.window(),
            preset: Some(WindowPreset::SoftTissue),
            transforms: [ViewTransform::default(); 3],
            maximized: None,
            show_candidates: true,
            show_lesions: true,
            show_crosshair: true,
            show_mask: true,
            mask_style: MaskStyle::default(),
            hover: None,
            highlight_planes: Vec::new(),
        }
    }
}

impl ViewerState {
    pub fn set_preset(&mut self, preset: WindowPreset) {
        self.window = preset.window();
        self.preset = Some(preset);
    }

    /// Puts the cursor at the volume's centre and resets zoom and pan.
    pub fn reset_for(&mut self, volume: &Volume) {
        let d = volume.dims();
        self.cursor_voxel = DVec3::new((d[0] / 2) as f64, (d[1] / 2) as f64, (d[2] / 2) as f64);
        self.transforms = [ViewTransform::default(); 3];
    }

    /// Moves the cursor to a world point (clamped into the volume).
    pub fn set_cursor_world(&mut self, volume: &Volume, world_mm: DVec3) {
        let v = volume.affine().voxel_from_world_point(world_mm);
        let d = volume.dims();
        self.cursor_voxel = DVec3::new(
            v.x.clamp(0.0, d[0] as f64 - 1.0),
            v.y.clamp(0.0, d[1] as f64 - 1.0),
            v.z.clamp(0.0, d[2] as f64 - 1.0),
        );
    }
}
