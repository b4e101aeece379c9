//! File dialogs (rfd) on worker threads: they block, so the UI never waits for them. When no
//! dialog backend is available they return nothing; the user is told so.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

use crate::core::sampling::Plane;

/// What a PNG is saved from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SaveTarget {
    View {
        plane: Plane,
        with_overlays: bool,
    },
    FovGrid,
    CurvesPng,
    CurvesCsv,
    /// A picture the app holds (filters, reconstructions).
    Picture,
    /// The per-class table of an ILD evaluation.
    IldTable,
}

/// What a finished dialog asks for.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Open(PathBuf),
    Weights(PathBuf),
    IldRoot(PathBuf),
    Save { target: SaveTarget, path: PathBuf },
}

pub struct Dialogs {
    sender: Sender<Option<Outcome>>,
    receiver: Receiver<Option<Outcome>>,
    ctx: egui::Context,
    open: usize,
    /// Set when a dialog closed without a choice (no backend, or cancelled).
    pub last_cancelled: bool,
}

impl Dialogs {
    pub fn new(ctx: egui::Context) -> Self {
        let (sender, receiver) = channel();
        Self { sender, receiver, ctx, open: 0, last_cancelled: false }
    }

    fn run(&mut self, dialog: impl FnOnce() -> Option<Outcome> + Send + 'static) {
        if self.open > 0 {
            return;
        }
        let sender = self.sender.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new().name("cadet-dialog".into()).spawn(move || {
            let _ = sender.send(dialog());
            ctx.request_repaint();
        });
        if spawned.is_ok() {
            self.open += 1;
        }
    }

    pub fn open_volume(&mut self, dir: Option<PathBuf>) {
        self.run(move || {
            let mut d = rfd::FileDialog::new().add_filter("NIfTI", &["nii", "nii.gz", "gz"]).set_title("Open volume");
            if let Some(dir) = dir {
                d = d.set_directory(dir);
            }
            d.pick_file().map(Outcome::Open)
        });
    }

    pub fn open_dicom(&mut self, dir: Option<PathBuf>) {
        self.run(move || {
            let mut d = rfd::FileDialog::new().set_title("Open DICOM folder (a series, or a folder of series)");
            if let Some(dir) = dir {
                d = d.set_directory(dir);
            }
            d.pick_folder().map(Outcome::Open)
        });
    }

    pub fn open_study(&mut self, dir: Option<PathBuf>) {
        self.run(move || {
            let mut d = rfd::FileDialog::new().set_title("Open study folder (study.csv or the TCIA collection)");
            if let Some(dir) = dir {
                d = d.set_directory(dir);
            }
            d.pick_folder().map(Outcome::Open)
        });
    }

    pub fn save_png(&mut self, target: SaveTarget) {
        self.run(move || {
            let (name, filter, ext) = match target {
                SaveTarget::View { plane, .. } => (format!("{}.png", plane.label().to_lowercase()), "PNG", "png"),
                SaveTarget::FovGrid => ("sampled-views.png".to_string(), "PNG", "png"),
                SaveTarget::CurvesPng => ("training-curves.png".to_string(), "PNG", "png"),
                SaveTarget::CurvesCsv => ("training-curves.csv".to_string(), "CSV", "csv"),
                SaveTarget::Picture => ("picture.png".to_string(), "PNG", "png"),
                SaveTarget::IldTable => ("ild-classes.csv".to_string(), "CSV", "csv"),
            };
            rfd::FileDialog::new()
                .add_filter(filter, &[ext])
                .set_file_name(name)
                .save_file()
                .map(|path| Outcome::Save { target, path })
        });
    }

    pub fn pick_ild_root(&mut self, dir: Option<PathBuf>) {
        self.run(move || {
            let mut d = rfd::FileDialog::new().set_title("ILD study root (the folder holding ILD_DB_txtROIs)");
            if let Some(dir) = dir {
                d = d.set_directory(dir);
            }
            d.pick_folder().map(Outcome::IldRoot)
        });
    }

    pub fn pick_weights(&mut self) {
        self.run(|| {
            rfd::FileDialog::new()
                .add_filter("weights", &["bpk", "pth", "pt", "safetensors"])
                .set_title("Pretrained weights")
                .pick_file()
                .map(Outcome::Weights)
        });
    }

    /// Outcomes of dialogs that closed since the last call.
    pub fn drain(&mut self) -> Vec<Outcome> {
        let mut out = Vec::new();
        for result in self.receiver.try_iter() {
            self.open = self.open.saturating_sub(1);
            match result {
                Some(o) => {
                    self.last_cancelled = false;
                    out.push(o);
                }
                None => self.last_cancelled = true,
            }
        }
        out
    }
}
