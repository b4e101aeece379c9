//! The ILD study viewer: an HUG-layout database opened off the UI thread (with progress), its
//! patients and annotated slices, the sparse HRCT series browsed slice by slice with the ROI
//! contours by class, the paper's three windows and their RGB composite, and a patch gallery.

mod gallery;
mod layout;
mod panel;
mod slice_view;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui;

pub use gallery::{GALLERY_PER_ROI, GALLERY_SEED, GALLERY_SIZE, Gallery, Thumb};
pub use layout::viewer_tab_ui;
pub use slice_view::{Display, FILL_ALPHA, LUNG_COLOUR, axial_image_rect, class_colour, compose, reformat_note};

use crate::core::dicom::SliceHeader;
use crate::core::ild::database::slice_hu;
use crate::core::ild::lung::{MaskSource, estimate_lung_mask, lung_mask_of};
use crate::core::ild::patches::PatchRef;
use crate::core::ild::series::{SeriesSlice, series_slices};
use crate::core::ild::{CLASSES, IldDatabase, IldPatient, IldSlice};
use crate::core::window::WindowPreset;

/// An opened database and, per patient, its whole series (annotated slices or not).
pub struct IldStudy {
    pub db: Arc<IldDatabase>,
    pub series: Vec<Vec<SeriesSlice>>,
}

/// What the background threads send (each with the generation of the open it belongs to).
enum Message {
    Progress { stage: &'static str, done: usize, total: usize },
    Opened(Result<Box<IldStudy>, String>),
    Slice { path: PathBuf, result: Result<(Arc<Vec<f32>>, Arc<ShownLung>), String> },
    Gallery(Result<Box<Gallery>, String>),
}

/// What the app hears after [`IldViewer::drain`].
#[derive(Debug, PartialEq)]
pub enum IldEvent {
    Opened(PathBuf),
    Failed(String),
}

/// The ILD viewer's state.
pub struct IldViewer {
    /// The database being shown or loaded (`None`: no ILD study is open).
    pub root: Option<PathBuf>,
    pub study: Option<IldStudy>,
    /// The stage of the load under way, with its count.
    pub progress: Option<(&'static str, usize, usize)>,
    pub patient: usize,
    /// Index into the patient's series.
    pub position: usize,
    pub display: Display,
    /// Per class: whether its contours are drawn.
    pub visible: [bool; CLASSES],
    /// Whether the slice's lung mask is outlined.
    pub show_lung: bool,
    /// (row, column, HU) under the mouse on the axial view.
    pub hover: Option<(usize, usize, f32)>,
    pub gallery: Option<Result<Box<Gallery>, String>>,
    /// The patch the gallery jumped to, outlined on its slice.
    pub highlight: Option<PatchRef>,
    /// The contours outlined in the last frame (their numbers within the patient).
    pub outlined: Vec<usize>,
    /// Why the shown slice could not be read.
    pub slice_error: Option<String>,
    pub(crate) texture: slice_view::SliceTexture,
    thumbs: HashMap<usize, egui::TextureHandle>,
    hu: HashMap<PathBuf, Arc<Vec<f32>>>,
    lungs: HashMap<PathBuf, Arc<ShownLung>>,
    pending: HashSet<PathBuf>,
    generation: u64,
    sender: Sender<(u64, Message)>,
    receiver: Receiver<(u64, Message)>,
    ctx: Option<egui::Context>,
}

/// A slice's lung mask as the slice level would use it: the HUG mask file, or estimated (also
/// when the file cannot be read, which `problem` then says).
#[derive(Debug, PartialEq)]
pub struct ShownLung {
    pub mask: Vec<bool>,
    pub source: MaskSource,
    pub problem: Option<String>,
}

impl ShownLung {
    fn of(hu: &[f32], header: &SliceHeader, file: Option<&Path>) -> ShownLung {
        let (rows, cols) = (usize::from(header.rows), usize::from(header.columns));
        match lung_mask_of(file, hu, rows, cols) {
            Ok((mask, source)) => ShownLung { mask, source, problem: None },
            Err(e) => ShownLung {
                mask: estimate_lung_mask(hu, rows, cols),
                source: MaskSource::Estimated,
                problem: Some(e.to_string()),
            },
        }
    }
}

/// Decoded slices kept at most (a HUG slice is 1 MB of f32).
const KEEP_SLICES: usize = 64;

impl IldViewer {
    /// `ctx` is woken when background work reports (none in tests that poll).
    pub fn new(ctx: Option<egui::Context>) -> Self {
        let (sender, receiver) = channel();
        Self {
            root: None,
            study: None,
            progress: None,
            patient: 0,
            position: 0,
            display: Display::Window(WindowPreset::Lung),
            visible: [true; CLASSES],
            show_lung: false,
            hover: None,
            gallery: None,
            highlight: None,
            outlined: Vec::new(),
            slice_error: None,
            texture: slice_view::SliceTexture::default(),
            thumbs: HashMap::new(),
            hu: HashMap::new(),
            lungs: HashMap::new(),
            pending: HashSet::new(),
            generation: 0,
            sender,
            receiver,
            ctx,
        }
    }

    pub fn is_open(&self) -> bool {
        self.root.is_some()
    }

    /// The open database's folder.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Closes the study (another study or volume is being opened).
    pub fn close(&mut self) {
        let (ctx, generation) = (self.ctx.take(), self.generation);
        *self = Self::new(ctx);
        self.generation = generation;
    }

    /// Opens the database at `root` in the background: headers and ROI files, the series of
    /// every patient, then the patch gallery.
    pub fn open(&mut self, root: PathBuf) {
        self.close();
        self.generation += 1;
        self.root = Some(root.clone());
        self.progress = Some(("reading headers and ROI files", 0, 0));
        let send = self.sender_for(self.generation);
        let spawned = std::thread::Builder::new().name("cadet-ild: open".into()).spawn(move || {
            let progress = |stage, done, total| send(Message::Progress { stage, done, total });
            let opened =
                IldDatabase::open_with_progress(&root, &mut |d, t| progress("reading headers and ROI files", d, t))
                    .map_err(|e| e.to_string())
                    .and_then(|db| {
                        let mut series = Vec::with_capacity(db.patients.len());
                        for (i, patient) in db.patients.iter().enumerate() {
                            series.push(series_slices(patient).map_err(|e| e.to_string())?);
                            progress("listing each patient's series", i + 1, db.patients.len());
                        }
                        Ok(IldStudy { db: Arc::new(db), series })
                    });
            let db = opened.as_ref().ok().map(|s| s.db.clone());
            send(Message::Opened(opened.map(Box::new)));
            if let Some(db) = db {
                let built = Gallery::build(&db, &mut |d, t| progress("cutting the patch gallery", d, t));
                send(Message::Gallery(built.map(Box::new).map_err(|e| e.to_string())));
            }
        });
        if let Err(e) = spawned {
            self.root = None;
            log::error!("cannot start loading the ILD study: {e}");
        }
    }

    /// A sender that tags messages with `generation` and wakes the UI.
    fn sender_for(&self, generation: u64) -> impl Fn(Message) + Send + 'static {
        let (sender, ctx) = (self.sender.clone(), self.ctx.clone());
        move |message| {
            let _ = sender.send((generation, message));
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        }
    }

    /// Applies what the background threads sent; asks for the shown slice's pixels.
    pub fn drain(&mut self) -> Vec<IldEvent> {
        let mut events = Vec::new();
        while let Ok((generation, message)) = self.receiver.try_recv() {
            if generation != self.generation {
                continue;
            }
            match message {
                Message::Progress { stage, done, total } => self.progress = Some((stage, done, total)),
                Message::Opened(Ok(study)) => {
                    self.study = Some(*study);
                    self.select_annotated(0, 0);
                    events.extend(self.root.clone().map(IldEvent::Opened));
                }
                Message::Opened(Err(e)) => {
                    self.root = None;
                    self.progress = None;
                    events.push(IldEvent::Failed(e));
                }
                Message::Slice { path, result } => {
                    self.pending.remove(&path);
                    match result {
                        Ok((hu, lung)) => {
                            if self.hu.len() >= KEEP_SLICES {
                                self.hu.clear();
                                self.lungs.clear();
                            }
                            self.hu.insert(path.clone(), hu);
                            self.lungs.insert(path, lung);
                        }
                        Err(e) if self.shown().is_some_and(|s| s.header.path == path) => self.slice_error = Some(e),
                        Err(e) => log::warn!("{e}"),
                    }
                }
                Message::Gallery(result) => {
                    self.progress = None;
                    self.thumbs.clear();
                    self.gallery = Some(result);
                }
            }
        }
        self.request_shown_slice();
        events
    }

    /// Starts decoding the shown slice when it is not at hand.
    fn request_shown_slice(&mut self) {
        let Some(slice) = self.shown() else { return };
        let header = slice.header.clone();
        if self.hu.contains_key(&header.path) || self.pending.contains(&header.path) || self.slice_error.is_some() {
            return;
        }
        let mask_file = self.shown_annotated().and_then(|s| s.lung_mask.clone());
        self.pending.insert(header.path.clone());
        let send = self.sender_for(self.generation);
        let _ = std::thread::Builder::new().name("cadet-ild: slice".into()).spawn(move || {
            let result = slice_hu(&header).map_err(|e| e.to_string()).map(|hu| {
                let lung = ShownLung::of(&hu, &header, mask_file.as_deref());
                (Arc::new(hu), Arc::new(lung))
            });
            send(Message::Slice { path: header.path, result });
        });
    }

    pub fn current_patient(&self) -> Option<&IldPatient> {
        self.study.as_ref()?.db.patients.get(self.patient)
    }

    /// The slice of the series on screen.
    pub fn shown(&self) -> Option<&SeriesSlice> {
        self.study.as_ref()?.series.get(self.patient)?.get(self.position)
    }

    /// The shown slice's annotations, when it is annotated.
    pub fn shown_annotated(&self) -> Option<&IldSlice> {
        let index = self.shown()?.annotated?;
        self.current_patient()?.slices.get(index)
    }

    /// The shown slice's lung mask, once decoded.
    pub fn shown_lung(&self) -> Option<&Arc<ShownLung>> {
        self.lungs.get(&self.shown()?.header.path)
    }

    /// The shown slice's HU, once decoded.
    pub fn shown_hu(&self) -> Option<&Arc<Vec<f32>>> {
        self.hu.get(&self.shown()?.header.path)
    }

    /// Shows a position of a patient's series.
    pub fn select(&mut self, patient: usize, position: usize) {
        let Some(series) = self.study.as_ref().and_then(|s| s.series.get(patient)) else { return };
        if series.is_empty() {
            return;
        }
        self.patient = patient;
        self.position = position.min(series.len() - 1);
        self.hover = None;
        self.slice_error = None;
        self.request_shown_slice();
        if self
            .highlight
            .is_some_and(|h| h.patient != patient || Some(h.slice) != self.shown().and_then(|s| s.annotated))
        {
            self.highlight = None;
        }
    }

    /// Shows a patient's annotated slice (an index into its slices).
    pub fn select_annotated(&mut self, patient: usize, slice: usize) {
        let found =
            self.study.as_ref().and_then(|s| s.series.get(patient)?.iter().position(|x| x.annotated == Some(slice)));
        self.select(patient, found.unwrap_or(0));
    }

    /// Moves `steps` slices through the shown series.
    pub fn step(&mut self, steps: i64) {
        let target = (self.position as i64 + steps).max(0) as usize;
        self.select(self.patient, target);
    }

    /// Moves to the next (`forward`) or previous annotated slice, into the neighbouring patients.
    pub fn step_annotated(&mut self, forward: bool) {
        let Some(study) = &self.study else { return };
        let mut all: Vec<(usize, usize)> = Vec::new();
        for (p, series) in study.series.iter().enumerate() {
            all.extend(series.iter().enumerate().filter(|(_, s)| s.annotated.is_some()).map(|(i, _)| (p, i)));
        }
        let here = (self.patient, self.position);
        let target =
            if forward { all.into_iter().find(|&x| x > here) } else { all.into_iter().rev().find(|&x| x < here) };
        if let Some((p, i)) = target {
            self.select(p, i);
        }
    }

    /// Keys: Up/PageUp and Down/PageDown step slices, N and P the annotated slices.
    pub fn keyboard(&mut self, ctx: &egui::Context) {
        let keys = crate::gui::viewer::NavKeys::read(ctx);
        if keys.item != 0 {
            self.step_annotated(keys.item > 0);
        }
        if keys.slice != 0 {
            self.step(keys.slice);
        }
    }

    /// The composed axial image last uploaded (RGBA, `[width, height]`).
    pub fn shown_rgba(&self) -> Option<(&[u8], [usize; 2])> {
        self.texture.rgba()
    }
}
