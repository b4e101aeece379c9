//! `cadet ild summary|synth|patches|slices`: the HUG interstitial-lung-disease database (or a
//! synthetic one in its layout) from the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use npyz::WriterBuilder;

use super::progress::bar;
use crate::core::atomic::write_atomically;
use crate::core::ild::images::SliceImages;
use crate::core::ild::label_masks::label_agreement;
use crate::core::ild::patches::{crop_patch, select_patches};
use crate::core::ild::slices::slice_refs;
use crate::core::ild::synth::{Anatomy, IldSynthConfig, default_lung_ct, write_ild_study};
use crate::core::ild::{IldClass, IldDatabase, summarize};
use crate::core::nifti::read_nifti;

#[derive(Debug, Args)]
pub struct IldArgs {
    #[command(subcommand)]
    pub command: IldCommand,
}

#[derive(Debug, Subcommand)]
pub enum IldCommand {
    /// Patients, annotated slices, contours per class and ignored labels of an ILD database.
    Summary(SummaryArgs),
    /// Write a synthetic study in the HUG layout (DICOM slices and ROI files).
    Synth(SynthArgs),
    /// Cut the patch-level dataset: patches.npy (float32 [N, 3, S, S]) and patches.csv.
    Patches(PatchesArgs),
    /// The slice-level dataset: slices.csv with a 0/1 column per class.
    Slices(SlicesArgs),
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The database root (holding ILD_DB_txtROIs/) or the ILD_DB_txtROIs folder.
    pub root: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    #[arg(long, default_value_t = 6)]
    pub patients: usize,
    /// Annotated slices per patient.
    #[arg(long, default_value_t = 3)]
    pub slices: usize,
    /// A chest CT to take the lungs from (default: ../shared/data/ct/chest_cta_1.5mm.nii.gz when
    /// present).
    #[arg(long, conflicts_with = "phantom")]
    pub lung_ct: Option<PathBuf>,
    /// Draw on the phantom chest even when a real CT is at hand.
    #[arg(long)]
    pub phantom: bool,
    /// Also write each slice's lung mask and label mask, as the HUG database's ILD_DB_lungMasks
    /// and ILD_DB_volumeROIs.
    #[arg(long)]
    pub masks: bool,
}

#[derive(Debug, Args)]
pub struct PatchesArgs {
    pub root: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    /// Patch size in native pixels.
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// At most this many patches per contour.
    #[arg(long, default_value_t = 100)]
    pub per_roi: usize,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct SlicesArgs {
    pub root: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &IldArgs) -> anyhow::Result<()> {
    match &args.command {
        IldCommand::Summary(a) => summary(a),
        IldCommand::Synth(a) => synth(a),
        IldCommand::Patches(a) => patches(a),
        IldCommand::Slices(a) => slices(a),
    }
}

fn open(root: &std::path::Path) -> anyhow::Result<IldDatabase> {
    let db = IldDatabase::open(root).with_context(|| format!("cannot read the ILD database {}", root.display()))?;
    for p in &db.patients {
        for w in &p.warnings {
            eprintln!("patient {}: {w}", p.id);
        }
    }
    Ok(db)
}

fn summary(args: &SummaryArgs) -> anyhow::Result<()> {
    let db = open(&args.root)?;
    let s = summarize(&db);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let header: Vec<String> = IldClass::ALL.iter().map(|c| format!("{:>13}", c.name())).collect();
    println!("{:<10} {:>6} {}   ignored", "patient", "slices", header.join(""));
    let cells = |c: &crate::core::ild::PerClass<crate::core::ild::ClassCount>| -> String {
        c.0.iter().map(|k| format!("{:>13}", format!("{}/{}", k.slices, k.contours))).collect()
    };
    let ignored = |m: &std::collections::BTreeMap<String, usize>| -> String {
        m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
    };
    for p in &s.patients {
        println!("{:<10} {:>6} {}   {}", p.patient, p.slices, cells(&p.classes), ignored(&p.ignored));
    }
    println!("{:<10} {:>6} {}   {}", "total", s.total.slices, cells(&s.total.classes), ignored(&s.total.ignored));
    println!("(per class: slices/contours; {} patients)", s.patients.len());
    let masks = db.patients.iter().filter(|p| p.lung_mask_dir.is_some()).count();
    if masks > 0 {
        let slices = db.patients.iter().flat_map(|p| &p.slices);
        let with = slices.clone().filter(|s| s.lung_mask.is_some()).count();
        println!(
            "{masks} patients have lung masks (ILD_DB_lungMasks): {with} of {} annotated slices have one",
            slices.count()
        );
    }
    if let Some((slices, agreement)) = label_agreement(&db)? {
        println!("label masks (ILD_DB_volumeROIs) on {slices} annotated slices, against the ROI files' contours:");
        println!("  {:<14} {:>5} {:>12} {:>12} {:>8} {:>6}", "class", "code", "contour px", "code px", "both", "Dice");
        for a in agreement {
            let code = a.code.map_or("-".into(), |c| c.to_string());
            let dice = a.dice().map_or("-".into(), |d| format!("{d:.3}"));
            let name = a.class.name();
            println!("  {name:<14} {code:>5} {:>12} {:>12} {:>8} {dice:>6}", a.contour_pixels, a.code_pixels, a.both);
        }
    }
    Ok(())
}

fn synth(args: &SynthArgs) -> anyhow::Result<()> {
    let config = IldSynthConfig {
        patients: args.patients,
        slices: args.slices,
        seed: args.seed,
        masks: args.masks,
        ..Default::default()
    };
    let ct = if args.phantom { None } else { args.lung_ct.clone().or_else(default_lung_ct) };
    let loaded = match &ct {
        Some(path) => Some(read_nifti(path).with_context(|| format!("cannot read the lung CT {}", path.display()))?),
        None => None,
    };
    let anatomy = match (&loaded, &ct) {
        (Some(file), Some(path)) => Anatomy::Real { volume: &file.volume, path },
        _ => Anatomy::Phantom,
    };
    let pb = bar(args.patients as u64, "patients");
    let slices = write_ild_study(&args.out, &config, &anatomy, &|p| pb.set_position(p as u64))
        .with_context(|| format!("cannot write the synthetic ILD study to {}", args.out.display()))?;
    pb.finish_and_clear();
    let what = ct.map_or("a phantom chest".to_string(), |p| format!("the lungs of {}", p.display()));
    println!("wrote {} patients, {slices} slices to {} (drawn on {what})", args.patients, args.out.display());
    Ok(())
}

fn patches(args: &PatchesArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.size >= 2 && args.size.is_multiple_of(2), "--size must be an even number of pixels");
    let db = open(&args.root)?;
    let refs = select_patches(&db, args.size, args.per_roi, args.seed);
    let all: Vec<usize> = (0..db.patients.len()).collect();
    let images = SliceImages::load(&db, &all, false)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let npy = args.out.join("patches.npy");
    let s = args.size as u64;
    write_atomically(&npy, |w| {
        let shape = [refs.len() as u64, 3, s, s];
        let mut writer = npyz::WriteOptions::new().default_dtype().shape(&shape).writer(w).begin_nd()?;
        for r in &refs {
            let image = images.get(r.patient, r.slice).ok_or_else(|| std::io::Error::other("slice not loaded"))?;
            let patch = crop_patch(&image.rgb, image.rows, image.cols, (r.center_row, r.center_col), args.size);
            writer.extend(patch)?;
        }
        writer.finish()
    })
    .with_context(|| format!("cannot write {}", npy.display()))?;
    let csv = args.out.join("patches.csv");
    write_atomically(&csv, |w| {
        writeln!(w, "patient,slice_number,label,roi,center_row,center_col")?;
        for r in &refs {
            let p = &db.patients[r.patient];
            let slice = &p.slices[r.slice];
            writeln!(w, "{},{},{},{},{},{}", p.id, slice.slice_number, r.class, r.roi, r.center_row, r.center_col)?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", csv.display()))?;
    let mut per_class = [0usize; 6];
    refs.iter().for_each(|r| per_class[r.class.index()] += 1);
    let counts: Vec<String> = IldClass::ALL.iter().map(|c| format!("{} {}", c, per_class[c.index()])).collect();
    println!("wrote {} patches of {s}×{s} to {} ({})", refs.len(), npy.display(), counts.join(", "));
    Ok(())
}

fn slices(args: &SlicesArgs) -> anyhow::Result<()> {
    let db = open(&args.root)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let refs = slice_refs(&db);
    let csv = args.out.join("slices.csv");
    write_atomically(&csv, |w| {
        let names: Vec<&str> = IldClass::ALL.iter().map(|c| c.name()).collect();
        writeln!(w, "patient,slice_number,{}", names.join(","))?;
        for r in &refs {
            let flags: Vec<&str> =
                IldClass::ALL.iter().map(|c| if r.classes.contains(c) { "1" } else { "0" }).collect();
            writeln!(w, "{},{},{}", db.patients[r.patient].id, r.slice_number, flags.join(","))?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", csv.display()))?;
    println!("wrote {} slices to {}", refs.len(), csv.display());
    Ok(())
}
