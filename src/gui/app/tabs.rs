//! The tabs' layouts and the exports they start: the parts of [`CadetApp`] that arrange panels
//! and turn their actions into jobs.

use std::path::PathBuf;

use eframe::egui;

use super::{CadetApp, JobResult, Notice, Tab};
use crate::core::sampling::Plane;
use crate::gui::dialogs::SaveTarget;
use crate::gui::eval_panel::eval_ui;
use crate::gui::fov_panel::{compose_grid, fov_panel_ui, sample_fov_views};
use crate::gui::study_panel::study_panel_ui;
use crate::gui::viewer::{ViewContext, views_ui};
use crate::gui::vis_panel::{VisView, compute as compute_vis, vis_ui};
use crate::gui::{export, menu};

impl CadetApp {
    pub(super) fn viewer_tab(&mut self, ui: &mut egui::Ui) {
        if self.ild.is_open() {
            crate::gui::ild::viewer_tab_ui(ui, &mut self.ild, &mut self.notice);
            return;
        }
        egui::Panel::left("study").default_size(340.0).min_size(260.0).show(ui, |ui| {
            let actions = study_panel_ui(ui, &self.workspace, &mut self.study_panel);
            if let Some(p) = actions.select_patient {
                self.select_patient(p);
            }
            if let Some(c) = actions.select_candidate {
                self.select_candidate(c);
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(notice) = self.notice.clone() {
                notice_ui(ui, &notice, &mut self.notice);
            }
            let has_mask = self.workspace.volume.as_ref().is_some_and(|o| o.mask.is_some());
            menu::toolbar_ui(ui, &mut self.viewer, has_mask, self.dialogs.last_cancelled);
            let mut ctx = ViewContext {
                renderer: self.renderer,
                textures: &mut self.textures,
                mask_textures: &mut self.mask_textures,
                workspace: &self.workspace,
            };
            let actions = views_ui(ui, &mut self.viewer, &mut ctx);
            if let Some(plane) = actions.toggle_maximize {
                self.viewer.maximized = if self.viewer.maximized == Some(plane) { None } else { Some(plane) };
            }
            if let Some((plane, with_overlays)) = actions.export {
                self.dialogs.save_png(SaveTarget::View { plane, with_overlays });
            }
            if let Some(rect) = actions.free_rect {
                ui.scope_builder(egui::UiBuilder::new().max_rect(rect.shrink(6.0)), |ui| self.fov_ui(ui));
            }
        });
    }

    pub(super) fn eval_tab(&mut self, ui: &mut egui::Ui) {
        let names: Vec<(String, PathBuf)> =
            self.training.runs.iter().map(|r| (r.name.clone(), r.path.clone())).collect();
        let runs_dir = self.training.form.runs_dir.clone();
        self.eval.ild.runs = self.training.runs.iter().filter(|r| r.task.is_ild()).cloned().collect();
        let mut actions = eval_ui(ui, &mut self.eval, &runs_dir, &names);
        if let Some((run, _)) = actions.evaluate.take_if(|(run, _)| self.eval.ild.runs.iter().any(|r| &r.path == run)) {
            actions.ild.evaluate = Some(vec![run]);
        }
        self.ild_eval_actions(actions.ild);
        if let Some((run, views)) = actions.evaluate {
            let request = crate::core::eval::session::EvalRequest {
                kind: crate::core::eval::session::EvalKind::Run,
                runs: vec![run],
                options: crate::core::eval::ScoreOptions { views, ..Default::default() },
                bootstrap: 1000,
                seed: 2016,
                out: None,
            };
            self.jobs.spawn("evaluating", move || {
                JobResult::Evaluated(
                    crate::core::eval::session::evaluate(&request, &mut |_, _, _| {})
                        .map(|(dir, _)| dir)
                        .map_err(|e| e.to_string()),
                )
            });
        }
        if let Some((path, report)) = actions.gallery {
            self.jobs.spawn("drawing the gallery", move || {
                let items = crate::gui::eval_panel::gallery(&path, &report, 6);
                JobResult::Gallery(path, items)
            });
        }
        if let Some((patient, target)) = actions.jump {
            let index = self.workspace.study.as_ref().and_then(|s| s.patients.iter().position(|p| p.id == patient));
            match index {
                Some(i) => self.jump_to(i, target),
                None => {
                    self.notice =
                        Some(Notice { text: format!("patient {patient} is not in the open study"), is_error: true })
                }
            }
            self.tab = Tab::Viewer;
        }
    }

    pub(super) fn vis_tab(&mut self, ui: &mut egui::Ui) {
        let names: Vec<(String, PathBuf)> =
            self.training.runs.iter().map(|r| (r.name.clone(), r.path.clone())).collect();
        if self.vis.runs[0].is_none() {
            self.vis.runs[0] = names.last().map(|(_, p)| p.clone());
        }
        let ild_run =
            self.vis.runs[0].clone().filter(|r| self.training.runs.iter().any(|l| &l.path == r && l.task.is_ild()));
        if let Some(run) = ild_run.as_ref().filter(|r| self.vis.ild.needs_listing(r)) {
            self.vis.ild.pending = true;
            let run = run.clone();
            self.jobs.spawn("listing the ILD slices", move || {
                let targets = crate::gui::ild_vis_panel::list_targets(&run);
                JobResult::IldTargets(run, targets)
            });
        }
        let candidate = self.workspace.volume.as_ref().and_then(|open| {
            let patient = self.workspace.patient()?;
            let c = patient.candidates.iter().find(|c| Some(c.id) == self.workspace.candidate)?;
            Some(VisView::Candidate(open.volume.clone(), c.center()))
        });
        let actions = vis_ui(ui, &mut self.vis, &names, candidate.as_ref().map(VisView::source), ild_run.is_some());
        let view = if ild_run.is_some() { self.vis.ild.chosen.clone().map(VisView::Ild) } else { candidate };
        for (slot, key, normalization, unit) in actions.compute {
            let view = view.clone();
            self.jobs.spawn("computing filters and maps", move || {
                JobResult::Vis(slot, Box::new(compute_vis(key, normalization, view, unit)))
            });
        }
        if let Some(picture) = actions.export {
            self.pending_picture = Some(picture);
            self.dialogs.save_png(SaveTarget::Picture);
        }
    }

    /// Saves the training curves shown (the live run and the ticked runs).
    pub(super) fn export_curves(&mut self, path: PathBuf, png: bool) {
        let mut runs: Vec<crate::core::train::RunCurves> = self.training.overlays.clone();
        if let Some(live) = &self.training.live
            && !runs.iter().any(|r| r.path == live.path)
        {
            runs.insert(0, live.clone());
        }
        let result = if png {
            crate::core::eval::curves_png(&runs, &path, 900, 700)
        } else {
            crate::core::train::write_curves_csv(&runs, &path).map_err(|e| format!("{}: {e}", path.display()))
        };
        self.apply(None, JobResult::Exported { path, result });
    }

    /// The sampled-FOV panel for the selected candidate, or the cursor.
    fn fov_ui(&mut self, ui: &mut egui::Ui) {
        let center = self.workspace.volume.as_ref().map(|open| {
            match self
                .workspace
                .patient()
                .zip(self.workspace.candidate)
                .and_then(|(p, c)| p.candidates.iter().find(|x| x.id == c))
            {
                Some(c) => (c.center(), format!("candidate {} ({:?})", c.id, c.label).to_lowercase()),
                None => {
                    (open.volume.affine().world_from_voxel_point(self.viewer.cursor_voxel), "the cursor".to_string())
                }
            }
        });
        let generation = self.workspace.volume.as_ref().map(|o| o.generation);
        let actions = fov_panel_ui(ui, &mut self.fov_panel, center, generation, self.viewer.window);
        if let (Some(request), Some(open)) = (actions.sample, &self.workspace.volume) {
            let volume = open.volume.clone();
            self.jobs.spawn("sampling views", move || JobResult::FovViews(sample_fov_views(volume, request)));
        }
        if actions.export {
            self.dialogs.save_png(SaveTarget::FovGrid);
        }
        self.viewer.highlight_planes = actions.highlight;
    }

    pub(super) fn export_grid(&mut self, path: PathBuf) {
        let Some(views) = &self.fov_panel.views else { return };
        let image = compose_grid(views, self.fov_panel.window(self.viewer.window), 4);
        let result = image.save_png(&path).map_err(|e| format!("{}: {e}", path.display()));
        self.apply(None, JobResult::Exported { path, result });
    }

    /// Saves a view: as shown (a screenshot of its rectangle) or the image only (CPU render).
    pub(super) fn export_view(&mut self, ctx: &egui::Context, plane: Plane, with_overlays: bool, path: PathBuf) {
        let Some(open) = &self.workspace.volume else { return };
        if with_overlays {
            if let Some(rect) = crate::gui::viewer::view_rect(ctx, plane) {
                self.pending_screenshot = Some((path, rect));
                let sender = self.screenshots.0.clone();
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = sender.send(image);
                    waker.request_repaint();
                });
            }
            return;
        }
        let volume = open.volume.clone();
        let (cursor, window) = (self.viewer.cursor_voxel, self.viewer.window);
        self.jobs.spawn(format!("saving {}", path.display()), move || {
            let result = export::save_slice_png(&volume, plane, cursor, window, &path);
            JobResult::Exported { path, result }
        });
    }
}

pub(crate) fn notice_ui(ui: &mut egui::Ui, notice: &Notice, slot: &mut Option<Notice>) {
    let color = if notice.is_error { egui::Color32::from_rgb(255, 110, 110) } else { egui::Color32::LIGHT_GREEN };
    ui.horizontal(|ui| {
        ui.colored_label(color, &notice.text);
        if ui.small_button("Dismiss").clicked() {
            *slot = None;
        }
    });
}
