//! The patch gallery: the 64 × 64 patches the patch-level dataset trains on
//! ([`select_patches`] with the `cadet ild patches` defaults), counted per class, with a grid of
//! thumbnails per class in the RGB composite; clicking one shows its slice.

use std::collections::BTreeMap;

use eframe::egui;

use crate::core::ild::patches::{PatchRef, crop_patch, select_patches};
use crate::core::ild::{CLASSES, IldClass, IldDatabase, IldError, rgb_planes_u8};

/// The patch size, contour cap and seed of `cadet ild patches` and ILD patch training.
pub const GALLERY_SIZE: usize = 64;
pub const GALLERY_PER_ROI: usize = 100;
pub const GALLERY_SEED: u64 = 2016;

/// Thumbnails shown per class (spread evenly over its patches).
const SHOWN_PER_CLASS: usize = 24;

/// One thumbnail: its patch and RGBA pixels (`GALLERY_SIZE²`).
pub struct Thumb {
    pub patch: PatchRef,
    pub rgba: Vec<u8>,
}

/// Patch counts and thumbnails per class.
pub struct Gallery {
    /// Patches per class.
    pub counts: [usize; CLASSES],
    /// Contours per class with at least one patch.
    pub contours: [usize; CLASSES],
    pub thumbs: Vec<Thumb>,
}

impl Gallery {
    /// Selects the patches and cuts the thumbnails, decoding only the slices they come from;
    /// `progress(done, total)` after each slice.
    pub fn build(db: &IldDatabase, progress: &mut dyn FnMut(usize, usize)) -> Result<Gallery, IldError> {
        let patches = select_patches(db, GALLERY_SIZE, GALLERY_PER_ROI, GALLERY_SEED);
        let mut counts = [0; CLASSES];
        let mut rois: [Vec<(usize, usize)>; CLASSES] = Default::default();
        for p in &patches {
            counts[p.class.index()] += 1;
            rois[p.class.index()].push((p.patient, p.roi));
        }
        let contours = rois.map(|mut r| {
            r.dedup();
            r.len()
        });
        let mut by_slice: BTreeMap<(usize, usize), Vec<PatchRef>> = BTreeMap::new();
        for class in IldClass::ALL {
            let of_class: Vec<&PatchRef> = patches.iter().filter(|p| p.class == class).collect();
            let shown = of_class.len().min(SHOWN_PER_CLASS);
            for k in 0..shown {
                let p = of_class[k * of_class.len() / shown];
                by_slice.entry((p.patient, p.slice)).or_default().push(*p);
            }
        }
        let mut thumbs = Vec::new();
        let total = by_slice.len();
        for (done, ((patient, slice), refs)) in by_slice.into_iter().enumerate() {
            let s = &db.patients[patient].slices[slice];
            let rgb = rgb_planes_u8(&s.load_hu()?);
            for patch in refs {
                let planes = crop_patch(&rgb, s.rows(), s.cols(), (patch.center_row, patch.center_col), GALLERY_SIZE);
                let n = GALLERY_SIZE * GALLERY_SIZE;
                let rgba = (0..n)
                    .flat_map(|i| {
                        [planes[i], planes[n + i], planes[2 * n + i]]
                            .map(|v| (v * 255.0).round() as u8)
                            .into_iter()
                            .chain([255])
                    })
                    .collect();
                thumbs.push(Thumb { patch, rgba });
            }
            progress(done + 1, total);
        }
        thumbs.sort_by_key(|t| {
            (t.patch.class, t.patch.patient, t.patch.slice, t.patch.roi, t.patch.center_row, t.patch.center_col)
        });
        Ok(Gallery { counts, contours, thumbs })
    }
}

/// The label of a class's grid.
pub fn class_heading(class: IldClass, gallery: &Gallery) -> String {
    let (patches, contours) = (gallery.counts[class.index()], gallery.contours[class.index()]);
    let noun = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!("{class}: {} from {}", noun(patches, "patch", "patches"), noun(contours, "contour", "contours"))
}

/// The grids; returns the patch clicked. `textures` caches one texture per thumbnail.
pub fn gallery_ui(
    ui: &mut egui::Ui,
    gallery: &Gallery,
    db: &IldDatabase,
    textures: &mut std::collections::HashMap<usize, egui::TextureHandle>,
) -> Option<PatchRef> {
    let mut clicked = None;
    ui.label(format!(
        "{GALLERY_SIZE}×{GALLERY_SIZE} patches as the patch-level dataset trains on them (at most {GALLERY_PER_ROI} per contour, seed {GALLERY_SEED}); click one to show its slice"
    ));
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for class in IldClass::ALL {
            ui.horizontal(|ui| {
                let (swatch, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                ui.painter().rect_filled(swatch, 2.0, super::class_colour(class));
                ui.strong(class_heading(class, gallery));
            });
            ui.horizontal_wrapped(|ui| {
                for (i, thumb) in gallery.thumbs.iter().enumerate().filter(|(_, t)| t.patch.class == class) {
                    let texture = textures.entry(i).or_insert_with(|| {
                        let image = egui::ColorImage::from_rgba_unmultiplied([GALLERY_SIZE; 2], &thumb.rgba);
                        ui.ctx().load_texture(format!("ild-patch-{i}"), image, egui::TextureOptions::NEAREST)
                    });
                    let p = thumb.patch;
                    let patient = &db.patients[p.patient];
                    let number = patient.slices[p.slice].slice_number;
                    let alt = format!(
                        "{class} patch at ({}, {}), patient {} slice {number}",
                        p.center_row, p.center_col, patient.id
                    );
                    let image = egui::Image::new((texture.id(), egui::vec2(40.0, 40.0)))
                        .alt_text(alt.clone())
                        .sense(egui::Sense::click());
                    if ui.add(image).on_hover_text(alt).clicked() {
                        clicked = Some(p);
                    }
                }
            });
            ui.add_space(4.0);
        }
    });
    clicked
}
