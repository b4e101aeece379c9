//! The axial ILD view: the slice in one of the paper's three windows or their RGB composite,
//! the visible classes' contours filled semi-transparently (baked into the texture) and
//! outlined in their class colour, the gallery's patch outlined, and the HU under the mouse.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, pos2, vec2};

use super::IldViewer;
use crate::core::ild::polygon::rasterize;
use crate::core::ild::{IldClass, SliceContour, ild_rgb};
use crate::core::window::WindowPreset;

/// How HU become colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// One window in grey.
    Window(WindowPreset),
    /// The three ILD windows as R, G and B (what the networks see).
    Rgb,
}

impl Display {
    pub const ALL: [Display; 4] = [
        Display::Window(WindowPreset::Lung),
        Display::Window(WindowPreset::HighAttenuation),
        Display::Window(WindowPreset::LowAttenuation),
        Display::Rgb,
    ];

    pub fn label(self) -> String {
        match self {
            Display::Window(p) => {
                let w = p.window();
                format!("{} [{}, {}]", p.label().trim_end_matches(" (ILD)"), w.lower_hu, w.upper_hu)
            }
            Display::Rgb => "RGB composite".into(),
        }
    }

    fn colour(self, hu: f32) -> [u8; 3] {
        match self {
            Display::Window(p) => [p.window().apply_u8(hu); 3],
            Display::Rgb => ild_rgb(hu).map(|v| (v * 255.0 + 0.5) as u8),
        }
    }
}

/// The opacity of a contour's fill.
pub const FILL_ALPHA: f32 = 0.35;

/// The colour of a class in the legend, fills and outlines.
pub fn class_colour(class: IldClass) -> Color32 {
    match class {
        IldClass::Healthy => Color32::from_rgb(80, 200, 120),
        IldClass::Emphysema => Color32::from_rgb(90, 160, 255),
        IldClass::GroundGlass => Color32::from_rgb(255, 220, 70),
        IldClass::Fibrosis => Color32::from_rgb(255, 120, 60),
        IldClass::Micronodules => Color32::from_rgb(220, 90, 220),
        IldClass::Consolidation => Color32::from_rgb(0, 220, 220),
    }
}

/// The RGBA image of a `rows × cols` slice of HU as `display` shows it, with each contour's
/// pixels blended with its class colour at [`FILL_ALPHA`], in order.
pub fn compose(hu: &[f32], rows: usize, cols: usize, display: Display, contours: &[&SliceContour]) -> Vec<u8> {
    let mut rgba: Vec<u8> = hu
        .iter()
        .flat_map(|&v| {
            let [r, g, b] = display.colour(v);
            [r, g, b, 255]
        })
        .collect();
    for contour in contours {
        let c = class_colour(contour.class);
        let mask = rasterize(&contour.points, rows, cols);
        for (px, _) in rgba.chunks_exact_mut(4).zip(&mask).filter(|(_, m)| **m) {
            for (v, k) in px.iter_mut().zip([c.r(), c.g(), c.b()]) {
                *v = (f32::from(*v) * (1.0 - FILL_ALPHA) + f32::from(k) * FILL_ALPHA).round() as u8;
            }
        }
    }
    rgba
}

/// The colour the lung mask's boundary is drawn in: red, which no class colour is and which stands
/// out from both the lung's dark and the chest wall's white.
pub const LUNG_COLOUR: [u8; 3] = [255, 40, 40];

/// Paints the boundary of `mask` (its pixels with a 4-neighbour outside it) in [`LUNG_COLOUR`].
pub fn outline_mask(rgba: &mut [u8], mask: &[bool], rows: usize, cols: usize) {
    for r in 0..rows {
        for c in 0..cols {
            let i = r * cols + c;
            let edge = mask[i]
                && ((r == 0 || !mask[i - cols])
                    || (r + 1 == rows || !mask[i + cols])
                    || (c == 0 || !mask[i - 1])
                    || (c + 1 == cols || !mask[i + 1]));
            if edge {
                rgba[4 * i..4 * i + 3].copy_from_slice(&LUNG_COLOUR);
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Key {
    path: std::path::PathBuf,
    display: Display,
    visible: Vec<usize>,
    lung: bool,
}

/// The axial texture, re-composed only when the slice, the display or the visible contours
/// change; keeps the RGBA it uploaded.
#[derive(Default)]
pub struct SliceTexture {
    cached: Option<(Key, egui::TextureHandle, Vec<u8>, [usize; 2])>,
}

impl SliceTexture {
    pub fn rgba(&self) -> Option<(&[u8], [usize; 2])> {
        self.cached.as_ref().map(|(_, _, rgba, size)| (rgba.as_slice(), *size))
    }
}

/// The axial view in `rect`.
pub fn axial_ui(ui: &mut egui::Ui, viewer: &mut IldViewer, rect: Rect) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::BLACK);
    let response = ui.interact(rect, ui.scope_id().with("ild-axial"), Sense::click_and_drag());
    let (Some(shown), Some(hu)) = (viewer.shown().cloned(), viewer.shown_hu().cloned()) else {
        let text = viewer.slice_error.clone().unwrap_or_else(|| "reading the slice…".into());
        painter.text(rect.center(), egui::Align2::CENTER_CENTER, text, egui::FontId::proportional(14.0), Color32::GRAY);
        return;
    };
    let (rows, cols) = (usize::from(shown.header.rows), usize::from(shown.header.columns));
    let annotated = viewer.shown_annotated().cloned();
    let contours: Vec<&SliceContour> =
        annotated.iter().flat_map(|s| s.contours.iter()).filter(|c| viewer.visible[c.class.index()]).collect();
    let lung = viewer.shown_lung().filter(|_| viewer.show_lung).cloned();
    let key = Key {
        path: shown.header.path.clone(),
        display: viewer.display,
        visible: contours.iter().map(|c| c.roi).collect(),
        lung: lung.is_some(),
    };
    let texture = match viewer.texture.cached.take() {
        Some(cached) if cached.0 == key => cached,
        old => {
            let mut rgba = compose(&hu, rows, cols, viewer.display, &contours);
            if let Some(lung) = &lung {
                outline_mask(&mut rgba, &lung.mask, rows, cols);
            }
            let image = egui::ColorImage::from_rgba_unmultiplied([cols, rows], &rgba);
            let handle = match old {
                Some((_, mut handle, _, _)) => {
                    handle.set(image, egui::TextureOptions::NEAREST);
                    handle
                }
                None => ui.ctx().load_texture("ild-axial", image, egui::TextureOptions::NEAREST),
            };
            (key, handle, rgba, [cols, rows])
        }
    };
    let [row_mm, col_mm] = shown.header.pixel_spacing_mm.unwrap_or([1.0, 1.0]);
    let (w_mm, h_mm) = (cols as f64 * col_mm, rows as f64 * row_mm);
    let scale = ((rect.width() - 8.0) / w_mm as f32).min((rect.height() - 40.0) / h_mm as f32).max(0.01);
    let image_rect = Rect::from_center_size(rect.center(), vec2(w_mm as f32 * scale, h_mm as f32 * scale));
    let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
    painter.image(texture.1.id(), image_rect, uv, Color32::WHITE);
    viewer.texture.cached = Some(texture);
    ui.data_mut(|d| d.insert_temp(image_rect_id(), image_rect));
    // pixel (row, col) centre → screen
    let to_screen = |row: f64, col: f64| {
        pos2(
            image_rect.min.x + ((col + 0.5) / cols as f64) as f32 * image_rect.width(),
            image_rect.min.y + ((row + 0.5) / rows as f64) as f32 * image_rect.height(),
        )
    };
    viewer.outlined.clear();
    for c in &contours {
        let points = c.points.iter().map(|p| to_screen(p.row, p.col)).collect();
        painter.add(egui::Shape::closed_line(points, Stroke::new(1.5, class_colour(c.class))));
        viewer.outlined.push(c.roi);
    }
    if let Some(h) = viewer.highlight {
        let half = (super::GALLERY_SIZE / 2) as f64;
        let (r, c) = (h.center_row as f64, h.center_col as f64);
        let r =
            Rect::from_min_max(to_screen(r - half - 0.5, c - half - 0.5), to_screen(r + half - 0.5, c + half - 0.5));
        painter.rect_stroke(r, 0.0, Stroke::new(2.0, Color32::WHITE), egui::StrokeKind::Outside);
    }
    viewer.hover = response.hover_pos().filter(|p| image_rect.contains(*p)).map(|p| {
        let col = (((p.x - image_rect.min.x) / image_rect.width()) * cols as f32).floor().clamp(0.0, cols as f32 - 1.0)
            as usize;
        let row = (((p.y - image_rect.min.y) / image_rect.height()) * rows as f32).floor().clamp(0.0, rows as f32 - 1.0)
            as usize;
        (row, col, hu[row * cols + col])
    });
    labels(&painter, rect, viewer);
    let notches: f32 = ui.input(|i| {
        i.events
            .iter()
            .map(|e| match e {
                egui::Event::MouseWheel { unit: egui::MouseWheelUnit::Line, delta, .. } => delta.y,
                egui::Event::MouseWheel { unit: egui::MouseWheelUnit::Page, delta, .. } => delta.y * 10.0,
                egui::Event::MouseWheel { unit: egui::MouseWheelUnit::Point, delta, .. } => delta.y / 50.0,
                _ => 0.0,
            })
            .sum()
    });
    if response.hovered() && notches.round() != 0.0 {
        viewer.step(notches.round() as i64);
    }
}

/// The view's title and the readout under the mouse.
fn labels(painter: &egui::Painter, rect: Rect, viewer: &IldViewer) {
    let font = egui::FontId::proportional(13.0);
    let (Some(patient), Some(shown)) = (viewer.current_patient(), viewer.shown()) else { return };
    let total = viewer.study.as_ref().map_or(0, |s| s.series[viewer.patient].len());
    let number = shown.header.instance_number.map_or("?".into(), |n| n.to_string());
    let note = if shown.annotated.is_some() { "" } else { " (not annotated)" };
    let title = format!("Axial · patient {} · slice {number}{note} · {} of {total}", patient.id, viewer.position + 1);
    painter.text(rect.min + vec2(6.0, 4.0), egui::Align2::LEFT_TOP, title, font.clone(), Color32::WHITE);
    if let Some((row, col, hu)) = viewer.hover {
        let text = format!("row {row}, column {col}: {hu:.0} HU");
        painter.text(rect.left_bottom() + vec2(6.0, -4.0), egui::Align2::LEFT_BOTTOM, text, font, Color32::YELLOW);
    }
}

fn image_rect_id() -> egui::Id {
    egui::Id::unique("cadet-ild-axial-image")
}

/// Where the axial image was drawn in the last frame.
pub fn axial_image_rect(ctx: &egui::Context) -> Option<Rect> {
    ctx.data(|d| d.get_temp::<Rect>(image_rect_id()))
}

/// A pane that says why there is no reformat of this series.
pub fn note_ui(ui: &mut egui::Ui, rect: Rect, plane: &str, note: &str) {
    ui.painter().rect_filled(rect, 4.0, Color32::from_gray(24));
    ui.scope_builder(egui::UiBuilder::new().max_rect(rect.shrink(8.0)), |ui| {
        ui.strong(plane);
        ui.label(note);
    });
}

/// The note for a series whose nearest slices are `gap_mm` apart.
pub fn reformat_note(gap_mm: Option<f64>) -> String {
    match gap_mm {
        Some(gap) => format!("{gap:.0} mm gaps: coronal and sagittal views are not meaningful for this series"),
        None => "a single slice: coronal and sagittal views are not meaningful for this series".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ild::PixelPoint;

    #[test]
    fn windows_composite_and_fills_by_hand() {
        // a 2 × 2 slice: −800 and 40 HU on the top row, padding (−1024) and −1175 below
        let hu = [-800.0, 40.0, -1024.0, -1175.0];
        let lung = compose(&hu, 2, 2, Display::Window(WindowPreset::Lung), &[]);
        // lung window [−1400, −200]: −800 → 0.5 → 128; 40 → 255; −1024 → 376/1200 → 80; −1175 → 0.1875 → 48
        assert_eq!(lung, [128, 128, 128, 255, 255, 255, 255, 255, 80, 80, 80, 255, 48, 48, 48, 255]);
        let rgb = compose(&hu, 2, 2, Display::Rgb, &[]);
        // −800: (0.5, 0, 1); 40: (1, 0.5, 1); −1175: (0.1875, 0, 0.5)
        assert_eq!(&rgb[..8], [128, 0, 255, 255, 255, 128, 255, 255]);
        assert_eq!(&rgb[12..], [48, 0, 128, 255]);
        // a contour around the top-left pixel only: healthy (80, 200, 120) at 35 % over grey 128
        let square = [(-0.5, -0.5), (-0.5, 0.4), (0.4, 0.4), (0.4, -0.5)].map(|(row, col)| PixelPoint { row, col });
        let contour = SliceContour { roi: 0, class: IldClass::Healthy, points: square.to_vec() };
        let filled = compose(&hu, 2, 2, Display::Window(WindowPreset::Lung), &[&contour]);
        // 128 · 0.65 + 80 · 0.35 = 111.2; 128 · 0.65 + 200 · 0.35 = 153.2; + 120 · 0.35 = 125.2
        assert_eq!(&filled[..4], [111, 153, 125, 255]);
        assert_eq!(&filled[4..], &lung[4..], "the other pixels keep the window's grey");
        // a 3 × 3 mask of the top-left 2 × 2 block: all four are on its boundary, nothing else
        let mask = [true, true, false, true, true, false, false, false, false];
        let mut rgba = vec![0u8; 36];
        outline_mask(&mut rgba, &mask, 3, 3);
        let painted: Vec<usize> = (0..9).filter(|&i| rgba[4 * i..4 * i + 3] == LUNG_COLOUR).collect();
        assert_eq!(painted, [0, 1, 3, 4]);
        assert_eq!(Display::ALL[0].label(), "Lung [-1400, -200]");
        assert_eq!(Display::ALL[1].label(), "High attenuation [-160, 240]");
        assert_eq!(
            reformat_note(Some(50.0)),
            "50 mm gaps: coronal and sagittal views are not meaningful for this series"
        );
    }
}
