//! Plain image buffers for display and export: windowed greyscale, aspect-correct resampling,
//! RGB composites of views, and atomic PNG writing. The GUI turns these into textures.

use std::path::Path;

use image::{ImageBuffer, Rgb, Rgba};

use super::atomic::write_atomically;
use super::window::Window;

/// An 8-bit RGBA image, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct RgbaImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<[u8; 4]>,
}

impl RgbaImage {
    pub fn new(width: usize, height: usize) -> Self {
        Self { width, height, pixels: vec![[0, 0, 0, 255]; width * height] }
    }

    /// Greyscale image of HU values through a window.
    pub fn from_hu(hu: &[f32], width: usize, height: usize, window: Window) -> Self {
        let pixels = hu.iter().map(|&v| {
            let g = window.apply_u8(v);
            [g, g, g, 255]
        });
        Self { width, height, pixels: pixels.collect() }
    }

    /// An RGB image from three planes in [0, 1] (e.g. a view's axial, coronal, sagittal).
    pub fn from_rgb_planes(planes: &[f32], size: usize) -> Self {
        let n = size * size;
        let to_u8 = |v: f32| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        let pixels = (0..n).map(|i| [to_u8(planes[i]), to_u8(planes[n + i]), to_u8(planes[2 * n + i]), 255]);
        Self { width: size, height: size, pixels: pixels.collect() }
    }

    /// Resamples to `width × height` (bilinear, pixel centres aligned).
    pub fn resized(&self, width: usize, height: usize) -> Self {
        if width == self.width && height == self.height {
            return self.clone();
        }
        let src = ImageBuffer::<Rgba<u8>, Vec<u8>>::from_raw(
            self.width as u32,
            self.height as u32,
            self.pixels.iter().flatten().copied().collect(),
        );
        let Some(src) = src else { return Self::new(width, height) };
        let out = image::imageops::resize(&src, width as u32, height as u32, image::imageops::FilterType::Triangle);
        let pixels = out.pixels().map(|p| p.0).collect();
        Self { width, height, pixels }
    }

    /// Resamples so that one pixel is square, given the physical pixel size of each axis;
    /// `scale` multiplies the result.
    pub fn isotropic(&self, col_spacing_mm: f64, row_spacing_mm: f64, scale: f64) -> Self {
        let unit = col_spacing_mm.min(row_spacing_mm);
        let w = (self.width as f64 * col_spacing_mm / unit * scale).round().max(1.0) as usize;
        let h = (self.height as f64 * row_spacing_mm / unit * scale).round().max(1.0) as usize;
        self.resized(w, h)
    }

    /// Places `other` with its top-left at (x, y), clipped.
    pub fn blit(&mut self, other: &RgbaImage, x: usize, y: usize) {
        for r in 0..other.height {
            for c in 0..other.width {
                let (tx, ty) = (x + c, y + r);
                if tx < self.width && ty < self.height {
                    self.pixels[ty * self.width + tx] = other.pixels[r * other.width + c];
                }
            }
        }
    }

    /// Writes a PNG atomically (RGB: alpha is dropped).
    pub fn save_png(&self, path: &Path) -> std::io::Result<()> {
        let rgb: Vec<u8> = self.pixels.iter().flat_map(|p| [p[0], p[1], p[2]]).collect();
        let img = ImageBuffer::<Rgb<u8>, Vec<u8>>::from_raw(self.width as u32, self.height as u32, rgb)
            .ok_or_else(|| std::io::Error::other("image size does not match its pixels"))?;
        write_atomically(path, |w| {
            let mut buf = std::io::Cursor::new(Vec::new());
            img.write_to(&mut buf, image::ImageFormat::Png).map_err(std::io::Error::other)?;
            w.write_all(buf.get_ref())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windowed_grey_and_isotropic_size() {
        let img = RgbaImage::from_hu(&[-160.0, 40.0, 240.0, 1000.0], 2, 2, Window::new(-160.0, 240.0));
        assert_eq!(img.pixels[0], [0, 0, 0, 255]);
        assert_eq!(img.pixels[1], [128, 128, 128, 255]);
        assert_eq!(img.pixels[3], [255, 255, 255, 255]);
        let iso = img.isotropic(1.0, 3.0, 2.0);
        assert_eq!((iso.width, iso.height), (4, 12));
    }

    #[test]
    fn png_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.png");
        let img = RgbaImage::from_rgb_planes(&[1.0, 0.0, 0.5], 1);
        assert_eq!(img.pixels, vec![[255, 0, 128, 255]]);
        let mut big = RgbaImage::new(3, 2);
        big.blit(&img, 1, 1);
        big.save_png(&p).unwrap();
        let back = image::open(&p).unwrap().to_rgb8();
        assert_eq!(back.get_pixel(1, 1).0, [255, 0, 128]);
        assert_eq!(back.get_pixel(0, 0).0, [0, 0, 0]);
    }
}
