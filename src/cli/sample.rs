//! `cadet sample`: one view at given parameters, or K seeded random views of every candidate in
//! a CSV, as float32 .npy (HU, or windowed to [0, 1]) with a CSV of every view's parameters.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use glam::{DMat3, DVec3};
use npyz::WriterBuilder;
use rayon::prelude::*;

use super::choice::choice;
use super::progress::bar;
use crate::core::atomic::write_atomically;
use crate::core::dataset::{Purpose, candidate_stream};
use crate::core::raster::RgbaImage;
use crate::core::sampling::{FovChoice, Interpolation, ViewProtocol, ViewSampler, ViewSpec, resize_bilinear};
use crate::core::seed::mix_seed;
use crate::core::window::WindowSpec;

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A NIfTI volume or a folder holding a DICOM series.
    pub volume: PathBuf,
    /// The DICOM series to open when VOLUME is a folder holding several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// One view centred here (RAS mm): X,Y,Z.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "candidates")]
    pub center: Option<String>,
    /// Field of view of the single view (mm).
    #[arg(long, default_value_t = 64.0)]
    pub fov: f64,
    /// Rotation of the single view, row-major r11..r33 (default: identity).
    #[arg(long, allow_hyphen_values = true)]
    pub rotation: Option<String>,
    /// Shift of the single view (mm): DX,DY,DZ.
    #[arg(long, allow_hyphen_values = true)]
    pub shift: Option<String>,
    /// A CSV with a header holding at least patient,candidate,x,y,z (RAS mm; candidate is the
    /// candidate's number within its patient, as `cadet study --candidates` writes it).
    #[arg(long)]
    pub candidates: Option<PathBuf>,
    /// Which of a training run's view streams (with the run's --seed) the random views come
    /// from, so they are exactly the views that run trains, validates or evaluates on.
    #[arg(long, value_enum, default_value_t = ViewStream::Train)]
    pub stream: ViewStream,
    /// Random views per candidate (at most 200).
    #[arg(long, default_value_t = 10)]
    pub views: usize,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// Field-of-view range for random views (mm): A,B.
    #[arg(long, default_value = "35,128")]
    pub fov_range: String,
    /// Largest random shift (mm).
    #[arg(long, default_value_t = 3.0)]
    pub max_shift: f64,
    /// Output size N (pixels).
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// Sample at this size and resize (bilinear) to --size, as the paper does (64 → 32 or 256).
    #[arg(long)]
    pub sample_size: Option<usize>,
    #[arg(long, value_parser = choice::<Interpolation>(), default_value_t = Interpolation::Linear)]
    pub interp: Interpolation,
    /// none (HU), LOWER,UPPER, or a preset such as soft-tissue.
    #[arg(long, default_value = "none", allow_hyphen_values = true)]
    pub window: WindowSpec,
    /// Output: FILE.npy for one view, a folder for candidates.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the (single) view as an RGB PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
}

fn parse_floats(s: &str, n: usize, what: &str) -> anyhow::Result<Vec<f64>> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("{what} '{s}' is not a list of numbers"))?;
    if v.len() != n || v.iter().any(|x| !x.is_finite()) {
        bail!("{what} needs {n} finite numbers, got '{s}'");
    }
    Ok(v)
}

/// Writes a float32 array as `.npy` (NumPy reads it as is), atomically. npyz writes the header;
/// on a little-endian machine the values are the bytes of `data` as they are (`<f4`).
pub(super) fn write_npy(path: &Path, shape: &[u64], data: &[f32]) -> anyhow::Result<()> {
    write_atomically(path, |w| {
        let header = npyz::WriteOptions::<f32>::new().default_dtype().shape(shape).writer(w);
        if cfg!(target_endian = "little") {
            header.write_header_only()?.write_all(bytemuck::cast_slice(data))
        } else {
            let mut writer = header.begin_nd()?;
            writer.extend(data.iter().copied())?;
            writer.finish()
        }
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Samples (and resizes) one view into `out` (3·size² values), then applies the window.
fn render_into(sampler: &ViewSampler, spec: &ViewSpec, args: &SampleArgs, out: &mut [f32]) {
    match args.sample_size.filter(|&at| at != args.size) {
        Some(at) => out.copy_from_slice(&resize_bilinear(&sampler.sample(spec, at), 3, at, args.size)),
        None => sampler.sample_into(spec, args.size, out),
    }
    if let WindowSpec::Window(w) = args.window {
        out.iter_mut().for_each(|x| *x = w.apply(*x));
    }
}

pub fn run(args: &SampleArgs) -> anyhow::Result<()> {
    if !(1..=1024).contains(&args.size) {
        bail!("--size must be 1 to 1024, got {}", args.size);
    }
    if let Some(n) = args.sample_size.filter(|n| !(1..=1024).contains(n)) {
        bail!("--sample-size must be 1 to 1024, got {n}");
    }
    let volume = Arc::new(super::load_volume(&args.volume, args.series.as_deref())?.volume);
    let sampler = ViewSampler::new(volume, args.interp);
    match (&args.center, &args.candidates) {
        (Some(center), None) => single(&sampler, center, args),
        (None, Some(csv)) => many(&sampler, csv, args),
        _ => bail!("give either --center X,Y,Z or --candidates FILE.csv"),
    }
}

fn single(sampler: &ViewSampler, center: &str, args: &SampleArgs) -> anyhow::Result<()> {
    let c = parse_floats(center, 3, "--center")?;
    let shift = match &args.shift {
        Some(s) => parse_floats(s, 3, "--shift")?,
        None => vec![0.0; 3],
    };
    let rotation = match &args.rotation {
        Some(r) => {
            let v = parse_floats(r, 9, "--rotation")?;
            let m = DMat3::from_cols_array(&[v[0], v[3], v[6], v[1], v[4], v[7], v[2], v[5], v[8]]);
            if !(m * m.transpose()).abs_diff_eq(DMat3::IDENTITY, 1e-6) || (m.determinant() - 1.0).abs() > 1e-6 {
                bail!("--rotation is not a proper rotation (orthonormal with determinant +1)");
            }
            [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]]
        }
        None => [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };
    if args.fov <= 0.0 || !args.fov.is_finite() {
        bail!("--fov must be positive");
    }
    let spec = ViewSpec {
        center_world_mm: [c[0], c[1], c[2]],
        shift_mm: [shift[0], shift[1], shift[2]],
        fov_mm: args.fov,
        rotation,
    };
    let mut view = vec![0f32; 3 * args.size * args.size];
    render_into(sampler, &spec, args, &mut view);
    let n = args.size as u64;
    write_npy(&args.out, &[3, n, n], &view)?;
    if let Some(png) = &args.png {
        let planes: Vec<f32> = match args.window {
            WindowSpec::Window(_) => view.clone(),
            WindowSpec::None => {
                view.iter().map(|v| crate::core::window::WindowPreset::SoftTissue.window().apply(*v)).collect()
            }
        };
        RgbaImage::from_rgb_planes(&planes, args.size)
            .save_png(png)
            .with_context(|| format!("cannot write {}", png.display()))?;
    }
    println!("wrote a {}×{} view to {}", args.size, args.size, args.out.display());
    Ok(())
}

/// The view streams of a run, for the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ViewStream {
    Train,
    Validate,
    Evaluate,
}

impl From<ViewStream> for Purpose {
    fn from(s: ViewStream) -> Purpose {
        match s {
            ViewStream::Train => Purpose::Train,
            ViewStream::Validate => Purpose::Validate,
            ViewStream::Evaluate => Purpose::Evaluate,
        }
    }
}

#[derive(serde::Deserialize)]
struct CandidateRow {
    patient: String,
    candidate: usize,
    x: f64,
    y: f64,
    z: f64,
}

fn many(sampler: &ViewSampler, csv_path: &Path, args: &SampleArgs) -> anyhow::Result<()> {
    if !(1..=200).contains(&args.views) {
        bail!("--views must be 1 to 200");
    }
    let range = parse_floats(&args.fov_range, 2, "--fov-range")?;
    if !(range[0] > 0.0 && range[0] <= range[1]) {
        bail!("--fov-range must be 0 < A ≤ B");
    }
    let protocol = ViewProtocol {
        fov: FovChoice::Uniform { min_mm: range[0], max_mm: range[1] },
        max_shift_mm: args.max_shift,
        ..ViewProtocol::default()
    };
    let protocol = &protocol;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(csv_path)
        .with_context(|| format!("cannot read {}", csv_path.display()))?;
    let rows: Vec<CandidateRow> = reader.deserialize().collect::<Result<_, _>>().with_context(|| {
        format!("{}: expected columns patient,candidate,x,y,z (candidate: a number)", csv_path.display())
    })?;
    let view_seed = mix_seed(args.seed, Purpose::from(args.stream).stream());
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let specs: Vec<(usize, u64, ViewSpec)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let center = DVec3::new(r.x, r.y, r.z);
            let key = candidate_stream(&r.patient, r.candidate);
            (0..args.views as u64).map(move |k| (i, k, protocol.draw(view_seed, key, k, center)))
        })
        .collect();
    let n = args.size;
    let pb = bar(specs.len() as u64, "views");
    let mut data = vec![0f32; specs.len() * 3 * n * n];
    data.par_chunks_mut(3 * n * n).zip(specs.par_iter()).for_each(|(out, (_, _, spec))| {
        render_into(sampler, spec, args, out);
        pb.inc(1);
    });
    pb.finish_and_clear();
    write_npy(&args.out.join("views.npy"), &[specs.len() as u64, 3, n as u64, n as u64], &data)?;
    let table = args.out.join("views.csv");
    write_atomically(&table, |w| {
        writeln!(w, "patient,candidate,view,center_x,center_y,center_z,shift_x,shift_y,shift_z,fov_mm,r11,r12,r13,r21,r22,r23,r31,r32,r33")?;
        for (i, k, s) in &specs {
            let r = s.rotation;
            let c = s.center_world_mm;
            let t = s.shift_mm;
            writeln!(
                w,
                "{},{},{k},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                rows[*i].patient, rows[*i].candidate, c[0], c[1], c[2], t[0], t[1], t[2], s.fov_mm, r[0][0], r[0][1], r[0][2], r[1][0], r[1][1], r[1][2], r[2][0], r[2][1], r[2][2]
            )?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", table.display()))?;
    println!("wrote {} views of {} candidates to {}", specs.len(), rows.len(), args.out.display());
    Ok(())
}
