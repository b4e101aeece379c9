//! Writing and reading NIfTI files: every data type, the affine rules, scaling, 4-D headers.

use cadet::core::nifti::{NiftiData, NiftiDtype, NiftiImage, Quatern, read_nifti, write_nifti_image};
use cadet::core::volume::Voxels;
use glam::{DMat4, DVec3, DVec4};

fn image(data: NiftiData, dims: [usize; 3]) -> NiftiImage {
    NiftiImage {
        dims,
        data,
        pixdim_mm: [0.7, 0.8, 2.5],
        sform: Some((1, DMat4::from_diagonal(DVec4::new(0.7, 0.8, 2.5, 1.0)))),
        qform: None,
        scl_slope: 1.0,
        scl_inter: 0.0,
        description: "test".into(),
    }
}

fn sample_values() -> Vec<f64> {
    vec![0.0, 1.0, 2.0, 3.0, 100.0, 127.0, 5.0, 64.0]
}

#[test]
fn every_data_type_round_trips_with_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let dims = [2, 2, 2];
    let signed: Vec<f64> = vec![-128.0, -1.0, 0.0, 1.0, 127.0, -100.0, 50.0, 3.0];
    let cases: Vec<(NiftiData, Vec<f64>, &str)> = vec![
        (NiftiData::U8(vec![0, 1, 2, 3, 100, 255, 5, 64]), vec![0.0, 1.0, 2.0, 3.0, 100.0, 255.0, 5.0, 64.0], "int16"),
        (NiftiData::I8(signed.iter().map(|v| *v as i8).collect()), signed.clone(), "int16"),
        (
            NiftiData::U16(vec![0, 1, 2, 3, 100, 65535, 5, 64]),
            vec![0.0, 1.0, 2.0, 3.0, 100.0, 65535.0, 5.0, 64.0],
            "float32",
        ),
        (NiftiData::U16(sample_values().iter().map(|v| *v as u16).collect()), sample_values(), "int16"),
        (
            NiftiData::I16(vec![-1024, -1, 0, 1, 3071, i16::MIN, i16::MAX, 40]),
            vec![-1024.0, -1.0, 0.0, 1.0, 3071.0, -32768.0, 32767.0, 40.0],
            "int16",
        ),
        (NiftiData::U32(sample_values().iter().map(|v| *v as u32).collect()), sample_values(), "int16"),
        (
            NiftiData::I32(vec![-1024, -1, 0, 1, 3071, -2000, 70000, 40]),
            vec![-1024.0, -1.0, 0.0, 1.0, 3071.0, -2000.0, 70000.0, 40.0],
            "float32",
        ),
        (
            NiftiData::F32(vec![-1024.5, -1.0, 0.0, 0.25, 3071.0, -2.0, 7.5, 40.0]),
            vec![-1024.5, -1.0, 0.0, 0.25, 3071.0, -2.0, 7.5, 40.0],
            "float32",
        ),
        (
            NiftiData::F64(vec![-1024.5, -1.0, 0.0, 0.25, 3071.0, -2.0, 7.5, 40.0]),
            vec![-1024.5, -1.0, 0.0, 0.25, 3071.0, -2.0, 7.5, 40.0],
            "float32",
        ),
    ];
    for (i, (data, expected, storage)) in cases.into_iter().enumerate() {
        let dtype = data.dtype();
        for name in [format!("t{i}.nii"), format!("t{i}.nii.gz")] {
            let path = dir.path().join(&name);
            write_nifti_image(&path, &image(data.clone(), dims)).unwrap();
            let file = read_nifti(&path).unwrap();
            assert_eq!(file.info.dtype, dtype, "{name}");
            assert_eq!(file.volume.voxels().storage_name(), storage, "{name} ({})", dtype.name());
            let got: Vec<f64> = file.volume.to_f32().iter().map(|v| f64::from(*v)).collect();
            assert_eq!(got, expected, "{name} ({})", dtype.name());
            assert_eq!(file.volume.dims(), dims);
            assert!((file.volume.spacing_mm() - DVec3::new(0.7, 0.8, 2.5)).length() < 1e-6);
        }
    }
    assert_eq!(NiftiDtype::ALL.len(), 8);
}

#[test]
fn sform_wins_over_qform_which_wins_over_pixdim() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.nii");
    let sform = DMat4::from_cols(
        DVec4::new(-0.5, 0.0, 0.0, 0.0),
        DVec4::new(0.0, -0.5, 0.0, 0.0),
        DVec4::new(0.0, 0.0, 2.0, 0.0),
        DVec4::new(10.0, 20.0, 30.0, 1.0),
    );
    // the qform: a 180° turn about z, offset (1, 2, 3), pixdim (0.7, 0.8, 2.5)
    let qform = Quatern {
        b: 0.0,
        c: 0.0,
        d: 1.0,
        offset_mm: DVec3::new(1.0, 2.0, 3.0),
        pixdim_mm: DVec3::new(0.7, 0.8, 2.5),
        qfac: 1.0,
    };
    let mut img = image(NiftiData::I16(vec![0; 8]), [2, 2, 2]);
    img.sform = Some((2, sform));
    img.qform = Some((1, qform));
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert_eq!(f.info.affine_source.name(), "sform");
    assert!(f.volume.affine().world_from_voxel().abs_diff_eq(sform, 1e-6));
    assert_eq!(f.volume.affine().orientation(), "LPS");

    img.sform = None;
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert_eq!(f.info.affine_source.name(), "qform");
    let expected = DMat4::from_cols(
        DVec4::new(-0.7, 0.0, 0.0, 0.0),
        DVec4::new(0.0, -0.8, 0.0, 0.0),
        DVec4::new(0.0, 0.0, 2.5, 0.0),
        DVec4::new(1.0, 2.0, 3.0, 1.0),
    );
    assert!(
        f.volume.affine().world_from_voxel().abs_diff_eq(expected, 1e-6),
        "{}",
        f.volume.affine().world_from_voxel()
    );

    img.qform = None;
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert_eq!(f.info.affine_source.name(), "pixdim");
    let expected = DMat4::from_diagonal(DVec4::new(0.7, 0.8, 2.5, 1.0));
    assert!(f.volume.affine().world_from_voxel().abs_diff_eq(expected, 1e-6));
}

#[test]
fn oblique_affines_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oblique.nii.gz");
    let (s, c) = 0.3f64.sin_cos();
    let sform = DMat4::from_cols(
        DVec4::new(0.75 * c, 0.75 * s, 0.0, 0.0),
        DVec4::new(-0.75 * s, 0.75 * c, 0.0, 0.0),
        DVec4::new(0.0, 0.0, 1.25, 0.0),
        DVec4::new(-100.0, 50.0, 7.0, 1.0),
    );
    let mut img = image(NiftiData::I16(vec![0; 8]), [2, 2, 2]);
    img.sform = Some((1, sform));
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    // stored as f32 in the header: equal to f32 precision
    assert!(f.volume.affine().world_from_voxel().abs_diff_eq(sform, 1e-5));
    assert!((f.volume.affine().obliquity_deg() - 0.3f64.to_degrees()).abs() < 1e-4);
}

#[test]
fn scaling_is_applied_and_slope_zero_means_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.nii");
    let mut img = image(NiftiData::U16(vec![0, 1, 1024, 2048, 4095, 10, 20, 30]), [2, 2, 2]);
    img.scl_slope = 1.0;
    img.scl_inter = -1024.0;
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert_eq!(f.info.scaling, Some((1.0, -1024.0)));
    assert!(matches!(f.volume.voxels(), Voxels::I16(_)), "integral scaling that fits keeps int16");
    assert_eq!(f.volume.to_f32(), vec![-1024.0, -1023.0, 0.0, 1024.0, 3071.0, -1014.0, -1004.0, -994.0]);

    img.scl_slope = 0.5;
    img.scl_inter = 0.25;
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert!(matches!(f.volume.voxels(), Voxels::F32(_)));
    assert_eq!(f.volume.to_f32()[3], 1024.25);

    img.scl_slope = 0.0;
    img.scl_inter = 500.0;
    write_nifti_image(&path, &img).unwrap();
    let f = read_nifti(&path).unwrap();
    assert_eq!(f.info.scaling, None, "slope 0 means no scaling, intercept ignored");
    assert_eq!(f.volume.to_f32()[2], 1024.0);

    img.data = NiftiData::F32(vec![1.0; 8]);
    img.scl_slope = 2.0;
    img.scl_inter = -3.0;
    write_nifti_image(&path, &img).unwrap();
    assert_eq!(read_nifti(&path).unwrap().volume.to_f32(), vec![-1.0; 8]);
}

/// Rewrites a file's header in place: dim[0] and dim[4] (for 4-D tests).
fn set_dims(path: &std::path::Path, rank: i16, t: i16) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[40..42].copy_from_slice(&rank.to_le_bytes());
    bytes[48..50].copy_from_slice(&t.to_le_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn trailing_unit_fourth_dimension_is_accepted_and_series_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("four.nii");
    write_nifti_image(&path, &image(NiftiData::I16(vec![7; 8]), [2, 2, 2])).unwrap();
    set_dims(&path, 4, 1);
    assert_eq!(read_nifti(&path).unwrap().volume.dims(), [2, 2, 2]);
    set_dims(&path, 4, 3);
    let err = read_nifti(&path).unwrap_err().to_string();
    assert!(err.contains("four.nii") && err.contains("3 volumes"), "{err}");
}

#[test]
fn big_endian_files_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let le = dir.path().join("le.nii");
    let img = image(NiftiData::I16(vec![-1024, 5, 300, -7, 0, 1, 2, 3]), [2, 2, 2]);
    write_nifti_image(&le, &img).unwrap();
    let mut b = std::fs::read(&le).unwrap();
    // byte-swap every numeric header field (offset, size) of the NIfTI-1 layout, then the data
    let fields: &[(usize, usize, usize)] = &[
        (0, 4, 1),
        (32, 4, 1),
        (36, 2, 1),
        (40, 2, 8),
        (56, 4, 3),
        (68, 2, 4),
        (76, 4, 8),
        (108, 4, 3),
        (120, 2, 1),
        (124, 4, 4),
        (140, 4, 2),
        (252, 2, 2),
        (256, 4, 6),
        (280, 4, 12),
    ];
    for &(offset, size, count) in fields {
        for k in 0..count {
            b[offset + k * size..offset + (k + 1) * size].reverse();
        }
    }
    for k in 0..8 {
        b[352 + 2 * k..352 + 2 * k + 2].reverse();
    }
    let be = dir.path().join("be.nii");
    std::fs::write(&be, b).unwrap();
    let f = read_nifti(&be).unwrap();
    assert!(f.info.big_endian);
    assert_eq!(f.volume.to_f32(), read_nifti(&le).unwrap().volume.to_f32());
    assert_eq!(f.volume.affine(), read_nifti(&le).unwrap().volume.affine());
}
