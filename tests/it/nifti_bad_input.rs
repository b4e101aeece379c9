//! Bad NIfTI input: every case is one clear error naming the file, never a panic, and the CLI
//! exits non-zero with the message.

use std::io::Write;

use cadet::core::nifti::{NiftiData, NiftiError, NiftiImage, read_nifti, write_nifti_image};
use glam::{DMat4, DVec4};

use crate::common::{cadet, stderr};

fn good_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let img = NiftiImage {
        dims: [16, 16, 16],
        data: NiftiData::I16((0..4096).map(|v| (v % 2000) as i16 - 1000).collect()),
        pixdim_mm: [1.0; 3],
        sform: Some((1, DMat4::IDENTITY)),
        qform: None,
        scl_slope: 1.0,
        scl_inter: 0.0,
        description: String::new(),
    };
    write_nifti_image(&path, &img).unwrap();
    path
}

fn patch(path: &std::path::Path, offset: usize, bytes: &[u8]) {
    let mut b = std::fs::read(path).unwrap();
    b[offset..offset + bytes.len()].copy_from_slice(bytes);
    std::fs::write(path, b).unwrap();
}

fn message(path: &std::path::Path) -> String {
    let err = read_nifti(path).expect_err("bad input must be refused");
    let text = err.to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(text.contains(name.as_ref()), "the message names the file: {text}");
    text
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = message(&dir.path().join("nowhere.nii.gz"));
    assert!(text.contains("cannot open"), "{text}");
}

#[test]
fn not_nifti() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.nii");
    std::fs::write(&p, "this is a text file, not an image\n".repeat(20)).unwrap();
    assert!(message(&p).contains("not a NIfTI-1 file"));
    let empty = dir.path().join("empty.nii");
    std::fs::write(&empty, b"").unwrap();
    assert!(message(&empty).contains("empty"));
}

#[test]
fn truncated_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "cut.nii");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 100]).unwrap();
    let text = message(&p);
    assert!(text.contains("truncated") && text.contains("8192"), "{text}");

    let gz = good_file(dir.path(), "cut.nii.gz");
    let bytes = std::fs::read(&gz).unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_nifti(&gz).unwrap_err();
    assert!(matches!(err, NiftiError::Truncated { .. } | NiftiError::CorruptGzip { .. }), "{err}");
    assert!(err.to_string().contains("cut.nii.gz"));

    let header_only = dir.path().join("short.nii");
    std::fs::write(&header_only, &std::fs::read(&p).unwrap()[..200]).unwrap();
    assert!(message(&header_only).contains("header"));
}

#[test]
fn corrupt_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.nii.gz");
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).unwrap();
    f.write_all(&[0xff; 400]).unwrap();
    drop(f);
    let err = read_nifti(&p).unwrap_err();
    assert!(matches!(err, NiftiError::CorruptGzip { .. } | NiftiError::Truncated { .. }), "{err}");
}

#[test]
fn dimensions_zero_or_negative() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "dims.nii");
    patch(&p, 44, &0i16.to_le_bytes());
    let text = message(&p);
    assert!(text.contains("dim[2] = 0"), "{text}");
    patch(&p, 44, &(-5i16).to_le_bytes());
    assert!(message(&p).contains("dim[2] = -5"));
    patch(&p, 40, &9i16.to_le_bytes());
    assert!(message(&p).contains("not a NIfTI-1 file") || message(&p).contains("dim[0]"));
}

#[test]
fn absurdly_large_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "huge.nii.gz");
    let plain = dir.path().join("huge.nii");
    std::fs::write(&plain, std::fs::read(good_file(dir.path(), "plain.nii")).unwrap()).unwrap();
    for path in [&plain] {
        for (axis, value) in [(0, 30000i16), (1, 30000), (2, 30000)] {
            patch(path, 42 + 2 * axis, &value.to_le_bytes());
        }
        let err = read_nifti(path).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, NiftiError::TooLarge { .. }), "{text}");
        assert!(text.contains("30000") && text.contains("GiB"), "states the size: {text}");
    }
    assert!(read_nifti(&p).is_ok());
}

#[test]
fn non_finite_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nan.nii");
    let mut data = vec![0.0f32; 8];
    data[5] = f32::NAN;
    data[6] = f32::INFINITY;
    let img = NiftiImage {
        dims: [2, 2, 2],
        data: NiftiData::F32(data),
        pixdim_mm: [1.0; 3],
        sform: Some((1, DMat4::IDENTITY)),
        qform: None,
        scl_slope: 1.0,
        scl_inter: 0.0,
        description: String::new(),
    };
    write_nifti_image(&p, &img).unwrap();
    let text = message(&p);
    assert!(text.contains("2 voxels are not finite") && text.contains("index 5"), "{text}");
}

#[test]
fn singular_affine() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("flat.nii");
    let mut sform = DMat4::IDENTITY;
    sform.y_axis = DVec4::ZERO;
    let img = NiftiImage {
        dims: [2, 2, 2],
        data: NiftiData::I16(vec![0; 8]),
        pixdim_mm: [1.0; 3],
        sform: Some((1, sform)),
        qform: None,
        scl_slope: 1.0,
        scl_inter: 0.0,
        description: String::new(),
    };
    write_nifti_image(&p, &img).unwrap();
    assert!(message(&p).contains("singular"));
}

#[test]
fn cli_reports_errors_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("junk.nii.gz");
    std::fs::write(&p, b"not an image").unwrap();
    let out = cadet(&["info", p.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("junk.nii.gz") && err.contains("not a NIfTI-1 file"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
