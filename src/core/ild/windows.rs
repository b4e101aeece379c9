//! The paper's RGB encoding of a CT slice for ILD: R the lung window [−1400, −200] HU, G the
//! high-attenuation window [−160, 240], B the low-attenuation window [−1400, −950], each
//! `(HU − lo) / (hi − lo)` clamped to [0, 1].

use crate::core::window::{Window, WindowPreset};

/// The three windows in channel order.
pub fn ild_windows() -> [Window; 3] {
    WindowPreset::ILD_RGB.map(WindowPreset::window)
}

/// The RGB value of one HU.
pub fn ild_rgb(hu: f32) -> [f32; 3] {
    ild_windows().map(|w| w.apply(hu))
}

/// Planar RGB (`[3, n]`, each in [0, 1]) of `n` HU values.
pub fn rgb_planes(hu: &[f32]) -> Vec<f32> {
    let n = hu.len();
    let mut out = vec![0f32; 3 * n];
    for (c, w) in ild_windows().iter().enumerate() {
        for (o, &v) in out[c * n..(c + 1) * n].iter_mut().zip(hu) {
            *o = w.apply(v);
        }
    }
    out
}

/// Planar RGB quantised to bytes (what datasets keep in memory: a quarter of f32's size; a
/// step of 1/255 of the narrowest window is 1.8 HU).
pub fn rgb_planes_u8(hu: &[f32]) -> Vec<u8> {
    rgb_planes(hu).into_iter().map(|v| (v * 255.0 + 0.5) as u8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_windows_by_hand() {
        // −800 HU: R (−800 + 1400) / 1200 = 0.5, G below −160 → 0, B above −950 → 1
        assert_eq!(ild_rgb(-800.0), [0.5, 0.0, 1.0]);
        // 40 HU: R above −200 → 1, G (40 + 160) / 400 = 0.5, B 1
        assert_eq!(ild_rgb(40.0), [1.0, 0.5, 1.0]);
        // −1175 HU: R 225 / 1200 = 0.1875, G 0, B 225 / 450 = 0.5
        assert_eq!(ild_rgb(-1175.0), [0.1875, 0.0, 0.5]);
        // below every window and above every window
        assert_eq!(ild_rgb(-2000.0), [0.0, 0.0, 0.0]);
        assert_eq!(ild_rgb(1000.0), [1.0, 1.0, 1.0]);
        assert_eq!(rgb_planes(&[-800.0, 40.0]), [0.5, 1.0, 0.0, 0.5, 1.0, 1.0]);
        assert_eq!(rgb_planes_u8(&[-800.0]), [128, 0, 255]);
    }
}
