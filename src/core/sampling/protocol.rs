//! The random view protocol: field of view, rotation and shift drawn per view from a seed, so
//! that view `v` of candidate `c` is the same whoever draws it and in whatever order.

use glam::{DMat3, DVec3};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::view::ViewSpec;
use crate::core::choice::named_choice;
use crate::core::geometry::random_rotation;
use crate::core::seed::rng_for;

/// How the field of view is drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FovChoice {
    /// Uniform in `[min_mm, max_mm]` (the paper: 35–128 mm).
    Uniform { min_mm: f64, max_mm: f64 },
    /// One of a few scales, equally likely (Roth et al.: 30 and 45 mm).
    Choice(Vec<f64>),
}

/// How the frame is rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RotationMode {
    /// Uniform over all 3-D rotations.
    Uniform,
    /// Only about the patient's z axis (the axial plane stays axial).
    InPlane,
    /// No rotation.
    None,
}

named_choice!(RotationMode, "rotation", { Uniform => "uniform", InPlane => "in-plane", None => "none" });

/// The region the shift is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShiftMode {
    /// Uniform in a ball of radius `max_shift_mm`.
    Ball,
    /// Uniform in a cube of half-side `max_shift_mm`.
    Box,
}

named_choice!(ShiftMode, "shift", { Ball => "ball", Box => "box" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewProtocol {
    pub fov: FovChoice,
    pub rotation: RotationMode,
    pub shift: ShiftMode,
    pub max_shift_mm: f64,
}

impl Default for ViewProtocol {
    /// The paper's protocol: F uniform in 35–128 mm, any rotation, shifts within 3 mm.
    fn default() -> Self {
        Self {
            fov: FovChoice::Uniform { min_mm: 35.0, max_mm: 128.0 },
            rotation: RotationMode::Uniform,
            shift: ShiftMode::Ball,
            max_shift_mm: 3.0,
        }
    }
}

impl ViewProtocol {
    /// Roth et al. (MICCAI 2014): scales of 30 and 45 mm.
    pub fn roth() -> Self {
        Self { fov: FovChoice::Choice(vec![30.0, 45.0]), ..Self::default() }
    }

    /// View `view` of candidate `candidate` around `center`, from the stream `(seed, candidate, view)`.
    pub fn draw(&self, seed: u64, candidate: u64, view: u64, center_world_mm: DVec3) -> ViewSpec {
        let mut rng = rng_for(seed, &[candidate, view]);
        let fov_mm = match &self.fov {
            FovChoice::Uniform { min_mm, max_mm } if max_mm > min_mm => rng.random_range(*min_mm..*max_mm),
            FovChoice::Uniform { min_mm, .. } => *min_mm,
            FovChoice::Choice(options) if !options.is_empty() => options[rng.random_range(0..options.len())],
            FovChoice::Choice(_) => 64.0,
        };
        let rotation = match self.rotation {
            RotationMode::Uniform => random_rotation(&mut rng),
            RotationMode::InPlane => DMat3::from_rotation_z(rng.random_range(0.0..std::f64::consts::TAU)),
            RotationMode::None => DMat3::IDENTITY,
        };
        let r = self.max_shift_mm;
        let shift = match self.shift {
            _ if r <= 0.0 => DVec3::ZERO,
            ShiftMode::Box => DVec3::new(rng.random_range(-r..=r), rng.random_range(-r..=r), rng.random_range(-r..=r)),
            ShiftMode::Ball => loop {
                let p = DVec3::new(
                    rng.random_range(-1.0..=1.0),
                    rng.random_range(-1.0..=1.0),
                    rng.random_range(-1.0..=1.0),
                );
                if p.length_squared() <= 1.0 {
                    break p * r;
                }
            },
        };
        let rows = rotation.transpose().to_cols_array_2d();
        ViewSpec { center_world_mm: center_world_mm.to_array(), shift_mm: shift.to_array(), fov_mm, rotation: rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_and_within_the_protocol() {
        let p = ViewProtocol::default();
        let c = DVec3::new(1.0, 2.0, 3.0);
        assert_eq!(p.draw(5, 3, 9, c), p.draw(5, 3, 9, c));
        assert_ne!(p.draw(5, 3, 9, c), p.draw(5, 3, 10, c));
        for v in 0..200 {
            let s = p.draw(11, 0, v, c);
            assert!((35.0..128.0).contains(&s.fov_mm));
            assert!(DVec3::from_array(s.shift_mm).length() <= 3.0 + 1e-12);
            let r = s.rotation_matrix();
            assert!((r * r.transpose()).abs_diff_eq(DMat3::IDENTITY, 1e-12));
            assert!((r.determinant() - 1.0).abs() < 1e-12);
        }
        let roth = ViewProtocol::roth();
        assert!((0..50).all(|v| [30.0, 45.0].contains(&roth.draw(1, 0, v, c).fov_mm)));
    }

    #[test]
    fn in_plane_rotations_keep_the_z_axis() {
        let p = ViewProtocol { rotation: RotationMode::InPlane, ..ViewProtocol::default() };
        let r = p.draw(1, 2, 3, DVec3::ZERO).rotation_matrix();
        assert!(r.z_axis.abs_diff_eq(DVec3::Z, 1e-12));
    }
}
