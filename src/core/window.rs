//! CT display windows: a HU interval mapped linearly onto [0, 1], and the presets of the paper
//! and of radiology practice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A window `[lower_hu, upper_hu]`: HU at or below `lower_hu` map to 0, at or above `upper_hu`
/// to 1, linearly in between.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub lower_hu: f32,
    pub upper_hu: f32,
}

impl Window {
    pub const fn new(lower_hu: f32, upper_hu: f32) -> Self {
        Self { lower_hu, upper_hu }
    }

    /// From the radiologist's level (centre) and width.
    pub fn from_level_width(level_hu: f32, width_hu: f32) -> Self {
        Self::new(level_hu - width_hu / 2.0, level_hu + width_hu / 2.0)
    }

    pub fn level_hu(&self) -> f32 {
        (self.lower_hu + self.upper_hu) / 2.0
    }

    pub fn width_hu(&self) -> f32 {
        self.upper_hu - self.lower_hu
    }

    /// `clamp((hu − lower) / (upper − lower), 0, 1)`. A degenerate window is a threshold.
    #[inline]
    pub fn apply(&self, hu: f32) -> f32 {
        let width = self.upper_hu - self.lower_hu;
        if width <= 0.0 {
            return if hu >= self.upper_hu { 1.0 } else { 0.0 };
        }
        ((hu - self.lower_hu) / width).clamp(0.0, 1.0)
    }

    /// The window as an 8-bit grey level.
    #[inline]
    pub fn apply_u8(&self, hu: f32) -> u8 {
        (self.apply(hu) * 255.0 + 0.5) as u8
    }
}

/// Named windows. The three ILD windows are the paper's RGB encoding for lung disease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WindowPreset {
    /// [−160, 240]: the default for lymph-node views.
    SoftTissue,
    /// [−500, 500]: a wide window for reading nodes against fat and vessels.
    LymphNode,
    /// [−1400, −200]: ILD "lung" window.
    Lung,
    /// [−160, 240]: ILD "high attenuation" window.
    HighAttenuation,
    /// [−1400, −950]: ILD "low attenuation" window.
    LowAttenuation,
    /// [−450, 1050]: bone (level 300, width 1500).
    Bone,
}

impl WindowPreset {
    pub const ALL: [WindowPreset; 6] = [
        WindowPreset::SoftTissue,
        WindowPreset::LymphNode,
        WindowPreset::Lung,
        WindowPreset::HighAttenuation,
        WindowPreset::LowAttenuation,
        WindowPreset::Bone,
    ];

    pub fn window(self) -> Window {
        match self {
            WindowPreset::SoftTissue | WindowPreset::HighAttenuation => Window::new(-160.0, 240.0),
            WindowPreset::LymphNode => Window::new(-500.0, 500.0),
            WindowPreset::Lung => Window::new(-1400.0, -200.0),
            WindowPreset::LowAttenuation => Window::new(-1400.0, -950.0),
            WindowPreset::Bone => Window::new(-450.0, 1050.0),
        }
    }

    /// The name used on the command line and in config files.
    pub fn key(self) -> &'static str {
        match self {
            WindowPreset::SoftTissue => "soft-tissue",
            WindowPreset::LymphNode => "lymph-node",
            WindowPreset::Lung => "lung",
            WindowPreset::HighAttenuation => "high-attenuation",
            WindowPreset::LowAttenuation => "low-attenuation",
            WindowPreset::Bone => "bone",
        }
    }

    /// A human label for menus.
    pub fn label(self) -> &'static str {
        match self {
            WindowPreset::SoftTissue => "Soft tissue",
            WindowPreset::LymphNode => "Lymph node",
            WindowPreset::Lung => "Lung",
            WindowPreset::HighAttenuation => "High attenuation (ILD)",
            WindowPreset::LowAttenuation => "Low attenuation (ILD)",
            WindowPreset::Bone => "Bone",
        }
    }

    /// The three ILD windows, in RGB channel order.
    pub const ILD_RGB: [WindowPreset; 3] =
        [WindowPreset::Lung, WindowPreset::HighAttenuation, WindowPreset::LowAttenuation];
}

impl fmt::Display for WindowPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A window given on the command line: `none`, `LOWER,UPPER` or a preset name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WindowSpec {
    /// Raw HU, no windowing.
    None,
    Window(Window),
}

impl FromStr for WindowSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("none") {
            return Ok(WindowSpec::None);
        }
        if let Some(p) = WindowPreset::ALL.iter().find(|p| p.key().eq_ignore_ascii_case(s)) {
            return Ok(WindowSpec::Window(p.window()));
        }
        let parts: Vec<&str> = s.split(',').collect();
        let bounds: Option<Vec<f32>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
        match bounds.as_deref() {
            Some([lo, hi]) if lo < hi => Ok(WindowSpec::Window(Window::new(*lo, *hi))),
            Some([_, _]) => Err(format!("window '{s}': the lower bound must be below the upper")),
            _ => {
                let names: Vec<&str> = WindowPreset::ALL.iter().map(|p| p.key()).collect();
                Err(format!("window '{s}': expected none, LOWER,UPPER or one of {}", names.join(", ")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_maps_by_hand_computed_values() {
        let w = WindowPreset::SoftTissue.window();
        assert_eq!(w.apply(-160.0), 0.0);
        assert_eq!(w.apply(240.0), 1.0);
        assert_eq!(w.apply(40.0), 0.5);
        assert_eq!(w.apply(-1000.0), 0.0);
        assert_eq!(w.apply(3000.0), 1.0);
        assert_eq!(w.apply(-60.0), 0.25);
        assert_eq!(w.apply_u8(40.0), 128);
        assert_eq!((w.level_hu(), w.width_hu()), (40.0, 400.0));
        assert_eq!(Window::from_level_width(-800.0, 1200.0), WindowPreset::Lung.window());
    }

    #[test]
    fn ild_windows_are_the_papers() {
        let [r, g, b] = WindowPreset::ILD_RGB.map(|p| p.window());
        assert_eq!((r.lower_hu, r.upper_hu), (-1400.0, -200.0));
        assert_eq!((g.lower_hu, g.upper_hu), (-160.0, 240.0));
        assert_eq!((b.lower_hu, b.upper_hu), (-1400.0, -950.0));
    }

    #[test]
    fn window_specs_parse() {
        assert_eq!("none".parse::<WindowSpec>(), Ok(WindowSpec::None));
        assert_eq!("lung".parse::<WindowSpec>(), Ok(WindowSpec::Window(Window::new(-1400.0, -200.0))));
        assert_eq!("-100, 300".parse::<WindowSpec>(), Ok(WindowSpec::Window(Window::new(-100.0, 300.0))));
        assert!("300,-100".parse::<WindowSpec>().is_err());
        assert!("abc".parse::<WindowSpec>().unwrap_err().contains("soft-tissue"));
    }
}
