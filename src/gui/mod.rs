//! The eframe workbench. Everything here is a client of the core; nothing in the core knows
//! about egui.

mod app;
mod dialogs;
mod dicom_panel;
pub mod eval_panel;
mod eval_plots;
mod export;
pub mod fov_panel;
pub mod ild;
pub mod ild_eval_panel;
pub mod ild_vis_panel;
mod jobs;
mod menu;
pub mod state;
mod status;
mod study_panel;
pub mod training;
pub mod viewer;
pub mod vis_panel;

use std::path::PathBuf;
use std::sync::Arc;

use eframe::{egui, egui_wgpu, wgpu};

pub use app::{CadetApp, JobResult, Notice, Tab};

/// The wgpu device the workbench asks for: every feature and limit of the adapter, so that
/// burn-wgpu can share it (its kernels need them).
pub fn device_descriptor(adapter: &wgpu::Adapter) -> wgpu::DeviceDescriptor<'static> {
    wgpu::DeviceDescriptor {
        label: Some("cadet"),
        required_features: adapter.features()
            - wgpu::Features::MAPPABLE_PRIMARY_BUFFERS
            - wgpu::Features::all_experimental_mask(),
        required_limits: adapter.limits(),
        ..Default::default()
    }
}

pub fn native_options() -> eframe::NativeOptions {
    let setup = egui_wgpu::WgpuSetupCreateNew {
        device_descriptor: Arc::new(device_descriptor),
        ..egui_wgpu::WgpuSetupCreateNew::without_display_handle()
    };
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1500.0, 950.0]).with_title("cadet"),
        renderer: eframe::Renderer::Wgpu,
        wgpu_options: egui_wgpu::WgpuConfiguration {
            wgpu_setup: egui_wgpu::WgpuSetup::CreateNew(setup),
            ..egui_wgpu::WgpuConfiguration::default()
        },
        ..Default::default()
    }
}

/// Opens the workbench on `path` (a study folder or a volume), or on the bundled sample data.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    eframe::run_native("cadet", native_options(), Box::new(move |cc| Ok(Box::new(CadetApp::new(cc, path)))))
        .map_err(|e| anyhow::anyhow!("the workbench failed to start: {e}"))
}
