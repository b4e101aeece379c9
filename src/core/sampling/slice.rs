//! Axis-aligned display slices in radiological convention, whatever the file's voxel order:
//!
//! * axial: patient right on screen left, anterior up;
//! * coronal: patient right on screen left, superior up;
//! * sagittal: anterior on screen left, superior up.
//!
//! Oblique volumes are shown on the voxel axes nearest to the world axes (see
//! [`crate::core::geometry::Affine::obliquity_deg`]).

use glam::DVec3;
use serde::{Deserialize, Serialize};

use crate::core::choice::named_choice;
use crate::core::geometry::axis_letter;
use crate::core::volume::Volume;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plane {
    Axial,
    Coronal,
    Sagittal,
}

named_choice!(Plane, "plane", { Axial => "axial", Coronal => "coronal", Sagittal => "sagittal" });

impl Plane {
    pub fn label(self) -> &'static str {
        match self {
            Plane::Axial => "Axial",
            Plane::Coronal => "Coronal",
            Plane::Sagittal => "Sagittal",
        }
    }

    /// (world axis of screen columns, its direction on screen), (rows), and the world axis
    /// the plane is perpendicular to. Directions are the world sign that screen +col / +row
    /// point to: columns go to the patient's left (−x) or posterior (−y), rows go down
    /// (posterior −y or inferior −z).
    fn layout(self) -> ((usize, f64), (usize, f64), usize) {
        match self {
            Plane::Axial => ((0, -1.0), (1, -1.0), 2),
            Plane::Coronal => ((0, -1.0), (2, -1.0), 1),
            Plane::Sagittal => ((1, -1.0), (2, -1.0), 0),
        }
    }
}

/// How a plane of a volume maps onto the screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceGeometry {
    pub plane: Plane,
    /// Voxel axis across the slices, along screen columns, along screen rows.
    pub slice_axis: usize,
    pub col_axis: usize,
    pub row_axis: usize,
    /// Whether voxel index decreases as the screen column (row) increases.
    pub col_flip: bool,
    pub row_flip: bool,
    pub width: usize,
    pub height: usize,
    pub depth: usize,
    pub col_spacing_mm: f64,
    pub row_spacing_mm: f64,
    pub slice_spacing_mm: f64,
}

impl SliceGeometry {
    pub fn new(volume: &Volume, plane: Plane) -> Self {
        let axes = volume.affine().nearest_world_axes();
        let voxel_axis_for = |world: usize| axes.iter().position(|(w, _)| *w == world).unwrap_or(world);
        let ((col_world, col_dir), (row_world, row_dir), slice_world) = plane.layout();
        let (col_axis, row_axis, slice_axis) =
            (voxel_axis_for(col_world), voxel_axis_for(row_world), voxel_axis_for(slice_world));
        let dims = volume.dims();
        let spacing = volume.spacing_mm();
        Self {
            plane,
            slice_axis,
            col_axis,
            row_axis,
            col_flip: axes[col_axis].1 != col_dir,
            row_flip: axes[row_axis].1 != row_dir,
            width: dims[col_axis],
            height: dims[row_axis],
            depth: dims[slice_axis],
            col_spacing_mm: spacing[col_axis],
            row_spacing_mm: spacing[row_axis],
            slice_spacing_mm: spacing[slice_axis],
        }
    }

    /// Continuous voxel coordinate of screen position (col, row) on slice `slice`.
    pub fn voxel_of(&self, col: f64, row: f64, slice: f64) -> DVec3 {
        let mut v = DVec3::ZERO;
        v[self.col_axis] = if self.col_flip { self.width as f64 - 1.0 - col } else { col };
        v[self.row_axis] = if self.row_flip { self.height as f64 - 1.0 - row } else { row };
        v[self.slice_axis] = slice;
        v
    }

    /// Screen (col, row) and slice of a continuous voxel coordinate.
    pub fn screen_of(&self, voxel: DVec3) -> (f64, f64, f64) {
        let c = voxel[self.col_axis];
        let r = voxel[self.row_axis];
        (
            if self.col_flip { self.width as f64 - 1.0 - c } else { c },
            if self.row_flip { self.height as f64 - 1.0 - r } else { r },
            voxel[self.slice_axis],
        )
    }

    /// HU of one slice, row-major (`width × height`). `slice` is clamped to the volume.
    pub fn extract(&self, volume: &Volume, slice: usize) -> Vec<f32> {
        let slice = slice.min(self.depth - 1);
        let dims = volume.dims();
        let stride = [1, dims[0], dims[0] * dims[1]];
        let voxels = volume.voxels();
        let base = slice * stride[self.slice_axis];
        let mut out = Vec::with_capacity(self.width * self.height);
        for row in 0..self.height {
            let r = if self.row_flip { self.height - 1 - row } else { row };
            let row_base = base + r * stride[self.row_axis];
            for col in 0..self.width {
                let c = if self.col_flip { self.width - 1 - col } else { col };
                out.push(voxels.get(row_base + c * stride[self.col_axis]));
            }
        }
        out
    }

    /// The anatomical letters at the left, right, top and bottom screen edges (derived from the
    /// volume's axes, so an oblique or mislabelled file shows what it really is).
    pub fn edge_letters(&self, volume: &Volume) -> [char; 4] {
        let axes = volume.affine().nearest_world_axes();
        let towards = |axis: usize, increasing: bool| {
            let (world, sign) = axes[axis];
            axis_letter(world, if increasing { sign } else { -sign })
        };
        [
            towards(self.col_axis, self.col_flip),
            towards(self.col_axis, !self.col_flip),
            towards(self.row_axis, self.row_flip),
            towards(self.row_axis, !self.row_flip),
        ]
    }

    /// Width/height of the slice in millimetres (for keeping the physical aspect ratio).
    pub fn size_mm(&self) -> (f64, f64) {
        (self.width as f64 * self.col_spacing_mm, self.height as f64 * self.row_spacing_mm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::geometry::Affine;
    use crate::core::volume::Voxels;

    fn volume(rows: [[f64; 4]; 3]) -> Volume {
        let dims = [4, 3, 2];
        let values = (0..24).map(|v| v as i16).collect();
        Volume::new(dims, Affine::from_rows(rows).unwrap(), Voxels::I16(values)).unwrap()
    }

    #[test]
    fn ras_and_lps_storage_display_the_same_way_up() {
        let ras = volume([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        let lps = volume([[-1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        let a = SliceGeometry::new(&ras, Plane::Axial);
        let b = SliceGeometry::new(&lps, Plane::Axial);
        assert_eq!(a.edge_letters(&ras), ['R', 'L', 'A', 'P']);
        assert_eq!(b.edge_letters(&lps), ['R', 'L', 'A', 'P']);
        // RAS storage: voxel x grows to the patient's right, so screen column 0 is the last voxel
        assert_eq!(a.extract(&ras, 0)[0], ras.hu_at(3, 2, 0).unwrap());
        // LPS storage: voxel (0, 0) has the largest RAS x and y (patient right, anterior), the
        // screen's top-left already
        assert_eq!(b.extract(&lps, 0)[0], lps.hu_at(0, 0, 0).unwrap());
    }

    #[test]
    fn coronal_and_sagittal_letters() {
        let ras = volume([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        assert_eq!(SliceGeometry::new(&ras, Plane::Coronal).edge_letters(&ras), ['R', 'L', 'S', 'I']);
        assert_eq!(SliceGeometry::new(&ras, Plane::Sagittal).edge_letters(&ras), ['A', 'P', 'S', 'I']);
        let g = SliceGeometry::new(&ras, Plane::Sagittal);
        assert_eq!((g.width, g.height, g.depth), (3, 2, 4));
        // top-left of a sagittal slice: most anterior (j = 2) and most superior (k = 1)
        assert_eq!(g.extract(&ras, 1)[0], ras.hu_at(1, 2, 1).unwrap());
    }

    #[test]
    fn permuted_axes_and_round_trips() {
        // voxel axis 0 runs along world z, 1 along x, 2 along y
        let p = volume([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]);
        let g = SliceGeometry::new(&p, Plane::Axial);
        assert_eq!((g.slice_axis, g.col_axis, g.row_axis), (0, 1, 2));
        assert_eq!(g.edge_letters(&p), ['R', 'L', 'A', 'P']);
        let v = DVec3::new(1.0, 2.0, 1.0);
        let (c, r, s) = g.screen_of(v);
        assert_eq!(g.voxel_of(c, r, s), v);
    }
}
