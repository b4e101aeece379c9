//! Instance-label masks (0 is background, every other integer one node, as the TCIA
//! collection's `<PatientID>_mask.nii.gz`): reading, mapping onto another grid through world
//! coordinates (nearest voxel, so labels stay labels), and per-node extents.
//!
//! A mask need not share its volume's grid: every lookup goes volume voxel → world (RAS mm) →
//! mask voxel, rounded to the nearest mask voxel centre, 0 outside the mask.

use std::path::{Path, PathBuf};

use glam::{DMat4, DVec3};
use rayon::prelude::*;
use serde::Serialize;

use crate::core::geometry::Affine;
use crate::core::nifti::{NiftiError, read_nifti};
use crate::core::sampling::SliceGeometry;
use crate::core::volume::Volume;

#[derive(Debug, thiserror::Error)]
pub enum MaskError {
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    #[error("{path}: not an instance-label mask: voxel {index} holds {value} (labels are integers 0..=65535)")]
    NotLabels { path: PathBuf, index: usize, value: f32 },
}

/// A label volume on its own grid.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelMask {
    dims: [usize; 3],
    affine: Affine,
    labels: Vec<u16>,
}

/// One node of a mask: its voxels, volume, bounding box and centroid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeExtent {
    pub label: u16,
    pub voxel_count: usize,
    pub volume_mm3: f64,
    /// Lowest and highest voxel index holding the label, per mask voxel axis (inclusive).
    pub bbox_voxel: [[usize; 3]; 2],
    /// The box's size along each mask voxel axis, voxel edges included: (hi − lo + 1) × spacing.
    pub size_mm: [f64; 3],
    /// The world-axis-aligned box (min, max corners, RAS mm) around the voxels' edges.
    pub bbox_world_mm: [[f64; 3]; 2],
    /// The mean world position of the label's voxel centres (RAS mm).
    pub centroid_world_mm: [f64; 3],
}

/// A patient's mask with its nodes' extents, as the viewer and the candidate table use it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeMask {
    pub path: PathBuf,
    pub mask: LabelMask,
    /// By label.
    pub extents: Vec<NodeExtent>,
}

impl NodeMask {
    /// Reads a mask and measures its nodes.
    pub fn read(path: &Path) -> Result<Self, MaskError> {
        let mask = LabelMask::read(path)?;
        let extents = mask.extents();
        Ok(Self { path: path.into(), mask, extents })
    }

    /// The extent of the node with instance label `label` (the node's id), if the mask has it.
    pub fn extent(&self, label: usize) -> Option<&NodeExtent> {
        self.extents.iter().find(|e| usize::from(e.label) == label)
    }
}

impl LabelMask {
    /// A mask from a volume whose values are labels; `path` names it in errors.
    pub fn from_volume(path: &Path, volume: &Volume) -> Result<Self, MaskError> {
        let voxels = volume.voxels();
        let labels = (0..voxels.len())
            .into_par_iter()
            .map(|i| {
                let value = voxels.get(i);
                let fits = value.fract() == 0.0 && (0.0..=f32::from(u16::MAX)).contains(&value);
                fits.then_some(value as u16).ok_or(MaskError::NotLabels { path: path.into(), index: i, value })
            })
            .collect::<Result<Vec<u16>, _>>()?;
        Ok(Self { dims: volume.dims(), affine: *volume.affine(), labels })
    }

    /// Reads a NIfTI label mask.
    pub fn read(path: &Path) -> Result<Self, MaskError> {
        let file = read_nifti(path)?;
        Self::from_volume(path, &file.volume)
    }

    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    /// The label of a mask voxel; 0 outside the grid.
    pub fn label_at_voxel(&self, i: i64, j: i64, k: i64) -> u16 {
        let [nx, ny, nz] = self.dims.map(|d| d as i64);
        if i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz {
            return 0;
        }
        self.labels[(i + nx * (j + ny * k)) as usize]
    }

    /// The label of the mask voxel nearest to a world point; 0 outside the mask.
    pub fn label_at_world(&self, world_mm: DVec3) -> u16 {
        let v = self.affine.voxel_from_world_point(world_mm).round();
        self.label_at_voxel(v.x as i64, v.y as i64, v.z as i64)
    }

    /// The labels of one display slice of a volume with grid `target` (row-major, `width ×
    /// height`, in the order [`SliceGeometry::extract`] returns HU).
    pub fn slice_labels(&self, geom: &SliceGeometry, target: &Affine, slice: usize) -> Vec<u16> {
        // one matrix from target voxels to mask voxels
        let mask_from_target: DMat4 = self.affine.voxel_from_world() * target.world_from_voxel();
        let mut out = Vec::with_capacity(geom.width * geom.height);
        for row in 0..geom.height {
            for col in 0..geom.width {
                let v = geom.voxel_of(col as f64, row as f64, slice as f64);
                let m = mask_from_target.transform_point3(v).round();
                out.push(self.label_at_voxel(m.x as i64, m.y as i64, m.z as i64));
            }
        }
        out
    }

    /// The mask mapped onto another grid: at every target voxel, the label at its world point.
    pub fn resampled_to(&self, dims: [usize; 3], target: &Affine) -> LabelMask {
        let mask_from_target: DMat4 = self.affine.voxel_from_world() * target.world_from_voxel();
        let plane = dims[0] * dims[1];
        let mut labels = vec![0u16; plane * dims[2]];
        labels.par_chunks_mut(plane.max(1)).enumerate().for_each(|(k, out)| {
            for (n, label) in out.iter_mut().enumerate() {
                let v = DVec3::new((n % dims[0]) as f64, (n / dims[0]) as f64, k as f64);
                let m = mask_from_target.transform_point3(v).round();
                *label = self.label_at_voxel(m.x as i64, m.y as i64, m.z as i64);
            }
        });
        LabelMask { dims, affine: *target, labels }
    }

    /// Every label's extent on the mask's own grid, by label.
    pub fn extents(&self) -> Vec<NodeExtent> {
        #[derive(Clone, Copy)]
        struct Acc {
            count: usize,
            lo: [usize; 3],
            hi: [usize; 3],
            sum: [f64; 3],
        }
        let [nx, ny, _] = self.dims;
        let mut acc: Vec<Option<Acc>> = Vec::new();
        for (n, &label) in self.labels.iter().enumerate().filter(|(_, l)| **l > 0) {
            let ijk = [n % nx, (n / nx) % ny, n / (nx * ny)];
            if acc.len() <= usize::from(label) {
                acc.resize(usize::from(label) + 1, None);
            }
            let a = acc[usize::from(label)].get_or_insert(Acc { count: 0, lo: ijk, hi: ijk, sum: [0.0; 3] });
            a.count += 1;
            for d in 0..3 {
                a.lo[d] = a.lo[d].min(ijk[d]);
                a.hi[d] = a.hi[d].max(ijk[d]);
                a.sum[d] += ijk[d] as f64;
            }
        }
        let spacing = self.affine.spacing_mm();
        let voxel_mm3 = glam::DMat3::from_mat4(self.affine.world_from_voxel()).determinant().abs();
        acc.iter()
            .enumerate()
            .filter_map(|(label, a)| a.map(|a| (label as u16, a)))
            .map(|(label, a)| {
                let (mut lo, mut hi) = (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY));
                for corner in 0..8 {
                    let pick =
                        |d: usize| if corner >> d & 1 == 0 { a.lo[d] as f64 - 0.5 } else { a.hi[d] as f64 + 0.5 };
                    let w = self.affine.world_from_voxel_point(DVec3::new(pick(0), pick(1), pick(2)));
                    lo = lo.min(w);
                    hi = hi.max(w);
                }
                let mean = DVec3::from_array(a.sum) / a.count as f64;
                NodeExtent {
                    label,
                    voxel_count: a.count,
                    volume_mm3: a.count as f64 * voxel_mm3,
                    bbox_voxel: [a.lo, a.hi],
                    size_mm: [0, 1, 2].map(|d| (a.hi[d] - a.lo[d] + 1) as f64 * spacing[d]),
                    bbox_world_mm: [lo.to_array(), hi.to_array()],
                    centroid_world_mm: self.affine.world_from_voxel_point(mean).to_array(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::volume::Voxels;

    /// A 6×5×4 mask, spacing (2, 1, 3) mm, origin (10, 20, 30): label 1 fills the voxels
    /// i 1..=2, j 1..=3, k 2 (6 voxels); label 3 is the single voxel (5, 0, 0).
    fn hand_mask() -> LabelMask {
        let dims = [6, 5, 4];
        let mut values = vec![0i16; 120];
        for j in 1..=3 {
            for i in 1..=2 {
                values[i + 6 * (j + 5 * 2)] = 1;
            }
        }
        values[5] = 3;
        let affine = Affine::from_spacing_origin(DVec3::new(2.0, 1.0, 3.0), DVec3::new(10.0, 20.0, 30.0)).unwrap();
        let volume = Volume::new(dims, affine, Voxels::I16(values)).unwrap();
        LabelMask::from_volume(Path::new("m.nii"), &volume).unwrap()
    }

    #[test]
    fn extents_of_a_hand_built_mask() {
        let e = hand_mask().extents();
        assert_eq!(e.len(), 2);
        let one = &e[0];
        assert_eq!((one.label, one.voxel_count), (1, 6));
        assert_eq!(one.volume_mm3, 36.0, "6 voxels of 2 × 1 × 3 mm");
        assert_eq!(one.bbox_voxel, [[1, 1, 2], [2, 3, 2]]);
        assert_eq!(one.size_mm, [4.0, 3.0, 3.0]);
        // voxel edges: x 10 + 2·(0.5..2.5) = 11..15, y 20 + (0.5..3.5), z 30 + 3·(1.5..2.5)
        assert_eq!(one.bbox_world_mm, [[11.0, 20.5, 34.5], [15.0, 23.5, 37.5]]);
        // centroid voxel (1.5, 2, 2) → (13, 22, 36)
        assert_eq!(one.centroid_world_mm, [13.0, 22.0, 36.0]);
        let three = &e[1];
        assert_eq!((three.label, three.voxel_count, three.volume_mm3), (3, 1, 6.0));
        assert_eq!(three.centroid_world_mm, [20.0, 20.0, 30.0]);
        assert_eq!(three.size_mm, [2.0, 1.0, 3.0]);
    }

    #[test]
    fn a_mask_on_a_finer_flipped_grid_keeps_its_labels_at_world_points() {
        let mask = hand_mask();
        // a target grid of 1 mm voxels running the other way in x, covering x 20..5, y 19..24, z 30..39
        let m = DMat4::from_cols(
            glam::DVec4::new(-1.0, 0.0, 0.0, 0.0),
            glam::DVec4::new(0.0, 1.0, 0.0, 0.0),
            glam::DVec4::new(0.0, 0.0, 1.0, 0.0),
            glam::DVec4::new(20.0, 19.0, 30.0, 1.0),
        );
        let target = Affine::new(m).unwrap();
        let resampled = mask.resampled_to([16, 6, 10], &target);
        for (world, label) in [
            // inside label 1 (x 11..15, y 20.5..23.5, z 34.5..37.5)
            ([12.0, 21.0, 36.0], 1),
            ([14.0, 23.0, 35.0], 1),
            // just outside it in y and in z
            ([12.0, 24.0, 36.0], 0),
            ([12.0, 21.0, 38.0], 0),
            // label 3's voxel (x 19..21, y 19.5..20.5, z 28.5..31.5), and its empty neighbour
            ([20.0, 20.0, 31.0], 3),
            ([18.0, 20.0, 31.0], 0),
        ] {
            let w = DVec3::from_array(world);
            let v = target.voxel_from_world_point(w).round();
            assert_eq!(resampled.label_at_voxel(v.x as i64, v.y as i64, v.z as i64), label, "at {w}");
            assert_eq!(mask.label_at_world(w), label, "the mask itself at {w}");
        }
        // a target voxel outside the mask reads 0
        assert_eq!(resampled.label_at_voxel(15, 0, 9), 0);
    }

    #[test]
    fn slice_labels_follow_the_display_slice() {
        let mask = hand_mask();
        let volume = Volume::new([6, 5, 4], *mask.affine(), Voxels::I16(vec![0; 120])).unwrap();
        let axial = SliceGeometry::new(&volume, crate::core::sampling::Plane::Axial);
        let labels = mask.slice_labels(&axial, volume.affine(), 2);
        assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 6);
        assert!(mask.slice_labels(&axial, volume.affine(), 1).iter().all(|&l| l == 0));
        // each label sits where the HU extraction puts the same voxel
        for row in 0..axial.height {
            for col in 0..axial.width {
                let v = axial.voxel_of(col as f64, row as f64, 2.0);
                let expected = mask.label_at_voxel(v.x as i64, v.y as i64, v.z as i64);
                assert_eq!(labels[row * axial.width + col], expected);
            }
        }
    }

    #[test]
    fn a_mask_with_fractional_values_is_refused_with_its_path() {
        let affine = Affine::from_spacing_origin(DVec3::ONE, DVec3::ZERO).unwrap();
        let volume = Volume::new([2, 1, 1], affine, Voxels::F32(vec![0.0, 1.5])).unwrap();
        let err = LabelMask::from_volume(Path::new("odd_mask.nii.gz"), &volume).unwrap_err().to_string();
        assert!(err.contains("odd_mask.nii.gz") && err.contains("1.5"), "{err}");
    }
}
