//! The volume cache: mapped arrays equal what was loaded; a changed source or a damaged entry
//! is rebuilt, never used; `cadet cache` lists and clears.

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;

use cadet::core::cache::{EntryStatus, VolumeCache};
use cadet::core::geometry::Affine;
use cadet::core::nifti::{read_nifti, write_volume};
use cadet::core::open::open_volume;
use cadet::core::sampling::{Interpolation, ViewSampler, ViewSpec, VoxelArray};
use cadet::core::volume::{Volume, Voxels};
use glam::DVec3;

use crate::common::{cadet, stdout};

fn ramp_volume(offset: i16) -> Volume {
    let dims = [20, 18, 12];
    let values = (0..dims.iter().product::<usize>()).map(|i| (i % 700) as i16 - 300 + offset).collect();
    let affine = Affine::from_spacing_origin(DVec3::new(0.8, 0.9, 1.5), DVec3::new(-5.0, 3.0, 7.0)).unwrap();
    Volume::new(dims, affine, Voxels::I16(values)).unwrap()
}

/// Opens `source` through the cache, counting how often the volume had to be read.
fn open(cache: &VolumeCache, source: &Path, interp: Interpolation, loads: &Cell<usize>) -> (ViewSampler, EntryStatus) {
    cache
        .sampler(source, None, interp, || {
            loads.set(loads.get() + 1);
            read_nifti(source).map(|f| f.volume).map_err(|e| e.to_string())
        })
        .unwrap()
}

fn cache_files(dir: &Path, kind: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(&format!("-{kind}.cvc")))
        .collect();
    v.sort();
    v
}

#[test]
fn mapped_voxels_and_coefficients_equal_the_loaded_volume() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("v.nii.gz");
    write_volume(&source, &ramp_volume(0)).unwrap();
    let volume = read_nifti(&source).unwrap().volume;
    let cache = VolumeCache::new(dir.path().join("cache"));
    let loads = Cell::new(0);
    let (built, status) = open(&cache, &source, Interpolation::Bspline, &loads);
    assert_eq!(status, EntryStatus::Built);
    let (mapped, status) = open(&cache, &source, Interpolation::Bspline, &loads);
    assert_eq!((status, loads.get()), (EntryStatus::Hit, 1), "the second open reads no volume");
    let VoxelArray::I16(voxels) = mapped.voxels() else { panic!("int16 volumes stay int16") };
    let Voxels::I16(expected) = volume.voxels() else { unreachable!() };
    assert_eq!(voxels.as_slice(), &expected[..]);
    assert_eq!(mapped.affine(), volume.affine());
    let memory = ViewSampler::new(Arc::new(volume.clone()), Interpolation::Bspline);
    assert_eq!(mapped.coefficients(), memory.coefficients(), "coefficients equal to the bit");
    let spec = ViewSpec::axial(volume.center_world_mm(), 9.0);
    assert_eq!(mapped.sample(&spec, 8), memory.sample(&spec, 8));
    assert_eq!(built.sample(&spec, 8), memory.sample(&spec, 8));
}

#[test]
fn a_changed_source_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("v.nii");
    write_volume(&source, &ramp_volume(0)).unwrap();
    let cache = VolumeCache::new(dir.path().join("cache"));
    let loads = Cell::new(0);
    open(&cache, &source, Interpolation::Linear, &loads);
    write_volume(&source, &ramp_volume(5)).unwrap();
    let (sampler, status) = open(&cache, &source, Interpolation::Linear, &loads);
    assert_eq!(status, EntryStatus::Rebuilt("stale".into()));
    let VoxelArray::I16(v) = sampler.voxels() else { panic!() };
    assert_eq!(v.as_slice()[0], -295, "the new voxels, not the old");
    assert_eq!(cache_files(cache.dir(), "voxels").len(), 1, "replaced in place, not duplicated");
}

#[test]
fn a_damaged_entry_is_rebuilt_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("v.nii");
    write_volume(&source, &ramp_volume(0)).unwrap();
    let cache = VolumeCache::new(dir.path().join("cache"));
    let loads = Cell::new(0);
    open(&cache, &source, Interpolation::Bspline, &loads);
    // one flipped bit in the voxels, then a truncated coefficient file
    let voxels = &cache_files(cache.dir(), "voxels")[0];
    let mut bytes = std::fs::read(voxels).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x10;
    std::fs::write(voxels, &bytes).unwrap();
    let (sampler, status) = open(&cache, &source, Interpolation::Linear, &loads);
    assert_eq!(status, EntryStatus::Rebuilt("corrupt: payload checksum".into()));
    assert_eq!(loads.get(), 2, "the volume was read again");
    let VoxelArray::I16(v) = sampler.voxels() else { panic!() };
    let Voxels::I16(expected) = ramp_volume(0).voxels().clone() else { unreachable!() };
    assert_eq!(v.as_slice(), &expected[..]);
    let coeffs = &cache_files(cache.dir(), "bspline")[0];
    let len = std::fs::metadata(coeffs).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(coeffs).unwrap().set_len(len - 4).unwrap();
    let (again, _) = open(&cache, &source, Interpolation::Bspline, &loads);
    let memory = ViewSampler::new(Arc::new(ramp_volume(0)), Interpolation::Bspline);
    assert_eq!(again.coefficients(), memory.coefficients());
    std::fs::write(voxels, b"CADETVC1 garbage").unwrap();
    let (_, status) = open(&cache, &source, Interpolation::Linear, &loads);
    assert!(matches!(status, EntryStatus::Rebuilt(ref why) if why.starts_with("corrupt")), "{status:?}");
}

#[test]
fn the_cache_command_lists_and_clears() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("v.nii");
    write_volume(&source, &ramp_volume(0)).unwrap();
    let cache_dir = dir.path().join("cache");
    let cache = VolumeCache::new(&cache_dir);
    open(&cache, &source, Interpolation::Bspline, &Cell::new(0));
    let c = cache_dir.to_str().unwrap();
    let listed = cadet(&["cache", "--json", "--cache", c]);
    assert!(listed.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "voxels and coefficients");
    assert!(entries.iter().all(|e| e["header"]["dims"] == serde_json::json!([20, 18, 12])));
    let cleared = cadet(&["cache", "--clear", "--cache", c]);
    assert!(stdout(&cleared).contains("removed 2 entries"), "{}", stdout(&cleared));
    assert!(cache.list().unwrap().is_empty());
}

#[test]
fn two_series_of_one_folder_get_their_own_entries() {
    let folder = crate::dicom_series::fixtures().join("two_series");
    let expected = crate::dicom_series::expected();
    let second = expected["two_series"]["second"]["series_uid"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = VolumeCache::new(dir.path().join("cache"));
    let loads = Cell::new(0);
    let open_series = |uid: Option<&str>| {
        cache
            .sampler(&folder, uid, Interpolation::Linear, || {
                loads.set(loads.get() + 1);
                open_volume(&folder, uid).map(|f| f.volume).map_err(|e| e.to_string())
            })
            .unwrap()
    };
    let (main, first) = open_series(None);
    let (recon, other) = open_series(Some(second));
    assert_eq!((first, other), (EntryStatus::Built, EntryStatus::Built), "the recon is not served the main entry");
    assert_eq!(main.dims()[2], std::fs::read_dir(folder.join("axial")).unwrap().count());
    assert_eq!(recon.dims()[2], 4, "the thick recon's four slices");
    for (sampler, case) in [(&main, &expected["two_series"]), (&recon, &expected["two_series"]["second"])] {
        for p in case["points"].as_array().unwrap() {
            let world = DVec3::from_array(std::array::from_fn(|a| p["ras"][a].as_f64().unwrap()));
            let v = sampler.affine().voxel_from_world_point(world).round();
            let d = sampler.dims();
            let VoxelArray::I16(values) = sampler.voxels() else { panic!("int16 series") };
            let index = v.x as usize + d[0] * (v.y as usize + d[1] * v.z as usize);
            assert_eq!(f64::from(values.as_slice()[index]), p["hu"].as_f64().unwrap(), "at {world}");
        }
    }
    let (_, again) = open_series(Some(second));
    assert_eq!((again, loads.get()), (EntryStatus::Hit, 2));
    assert_eq!(cache_files(cache.dir(), "voxels").len(), 2);
}
