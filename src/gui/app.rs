//! The workbench application state.

use std::path::PathBuf;

use eframe::egui;

use crate::core::study::Study;

pub struct CadetApp {
    study: Result<Study, String>,
}

impl CadetApp {
    pub fn new(_cc: &eframe::CreationContext<'_>, path: PathBuf) -> Self {
        let study = Study::load(&path).map_err(|e| e.to_string());
        Self { study }
    }
}

impl eframe::App for CadetApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| match &self.study {
            Ok(study) => {
                ui.heading(format!("{} patients", study.patients.len()));
                for p in &study.patients {
                    ui.label(format!("{} ({}) — {} candidates", p.id, p.region, p.candidates.len()));
                }
            }
            Err(e) => {
                ui.colored_label(egui::Color32::RED, e);
            }
        });
    }
}
