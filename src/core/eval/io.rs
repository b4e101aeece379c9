//! The evaluation files: `scores.csv` (`patient,candidate,label,score,lesion`, the lesion empty
//! for candidates that hit none) and `lesions.csv` (`patient,lesion`, every true lesion). Both
//! are written atomically; read errors name the file and line.

use std::io;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::froc::{LesionRef, ScoredCandidate};
use crate::core::atomic::write_atomically;

/// The exact header of `scores.csv`.
pub const SCORES_HEADER: [&str; 5] = ["patient", "candidate", "label", "score", "lesion"];
/// The exact header of `lesions.csv`.
pub const LESIONS_HEADER: [&str; 2] = ["patient", "lesion"];

#[derive(Debug, thiserror::Error)]
pub enum EvalIoError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}, line {line}: {detail}")]
    Parse { path: PathBuf, line: u64, detail: String },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
}

pub fn read_scores(path: &Path) -> Result<Vec<ScoredCandidate>, EvalIoError> {
    read_rows(path, &SCORES_HEADER, parse_score_row)
}

pub fn read_lesions(path: &Path) -> Result<Vec<LesionRef>, EvalIoError> {
    read_rows(path, &LESIONS_HEADER, |record| {
        Ok(LesionRef { patient: non_empty(record, 0, "patient")?, lesion: non_empty(record, 1, "lesion")? })
    })
}

/// Writes `scores.csv`; every score must be finite and every label 0 or 1, so that the file
/// reads back.
pub fn write_scores(path: &Path, candidates: &[ScoredCandidate]) -> Result<(), EvalIoError> {
    if let Some(bad) = candidates.iter().find(|c| !c.score.is_finite() || c.label > 1) {
        let detail = format!(
            "candidate {}/{} has score {} and label {}; scores must be finite and labels 0 or 1",
            bad.patient, bad.candidate, bad.score, bad.label
        );
        return Err(EvalIoError::Invalid { path: path.into(), detail });
    }
    write_rows(path, &SCORES_HEADER, candidates, |c| {
        vec![
            c.patient.clone(),
            c.candidate.clone(),
            c.label.to_string(),
            c.score.to_string(),
            c.lesion.clone().unwrap_or_default(),
        ]
    })
}

pub fn write_lesions(path: &Path, lesions: &[LesionRef]) -> Result<(), EvalIoError> {
    write_rows(path, &LESIONS_HEADER, lesions, |l| vec![l.patient.clone(), l.lesion.clone()])
}

fn read_rows<T>(
    path: &Path,
    header: &[&str],
    parse: impl Fn(&StringRecord) -> Result<T, String>,
) -> Result<Vec<T>, EvalIoError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).map_err(|e| csv_error(path, e))?;
    let mut record = StringRecord::new();
    let found_header = reader.read_record(&mut record).map_err(|e| csv_error(path, e))?;
    if !found_header || record.iter().ne(header.iter().copied()) {
        let found = if found_header { record.iter().collect::<Vec<_>>().join(",") } else { "nothing".into() };
        let detail = format!("expected the header '{}', found '{found}'", header.join(","));
        return Err(EvalIoError::Parse { path: path.into(), line: 1, detail });
    }
    let mut rows = Vec::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(path, e))? {
        let line = record.position().map_or(0, csv::Position::line);
        rows.push(parse(&record).map_err(|detail| EvalIoError::Parse { path: path.into(), line, detail })?);
    }
    Ok(rows)
}

fn parse_score_row(record: &StringRecord) -> Result<ScoredCandidate, String> {
    let patient = non_empty(record, 0, "patient")?;
    let candidate = non_empty(record, 1, "candidate")?;
    let label = match &record[2] {
        "0" => 0,
        "1" => 1,
        other => return Err(format!("label '{other}' is not 0 or 1")),
    };
    let score: f64 = record[3].parse().map_err(|_| format!("score '{}' is not a number", &record[3]))?;
    if !score.is_finite() {
        return Err(format!("score '{}' is not finite", &record[3]));
    }
    let lesion = Some(record[4].to_string()).filter(|l| !l.is_empty());
    if label == 0 && lesion.is_some() {
        return Err("a label-0 candidate names a lesion".into());
    }
    Ok(ScoredCandidate { patient, candidate, label, score, lesion })
}

fn non_empty(record: &StringRecord, column: usize, name: &str) -> Result<String, String> {
    match &record[column] {
        "" => Err(format!("empty {name}")),
        value => Ok(value.to_string()),
    }
}

fn write_rows<T>(
    path: &Path,
    header: &[&str],
    rows: &[T],
    fields: impl Fn(&T) -> Vec<String>,
) -> Result<(), EvalIoError> {
    write_atomically(path, |w| {
        let mut writer = csv::Writer::from_writer(w);
        writer.write_record(header).map_err(io::Error::other)?;
        for row in rows {
            writer.write_record(fields(row)).map_err(io::Error::other)?;
        }
        writer.flush()
    })
    .map_err(|source| EvalIoError::Io { path: path.into(), source })
}

fn csv_error(path: &Path, e: csv::Error) -> EvalIoError {
    let line = e.position().map_or(0, csv::Position::line);
    let detail = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => EvalIoError::Io { path: path.into(), source },
        _ => EvalIoError::Parse { path: path.into(), line, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(patient: &str, id: &str, label: u8, score: f64, lesion: Option<&str>) -> ScoredCandidate {
        ScoredCandidate { patient: patient.into(), candidate: id.into(), label, score, lesion: lesion.map(Into::into) }
    }

    #[test]
    fn scores_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        let candidates = vec![
            candidate("ABD_001", "c1", 1, 0.123_456_789_012_345_6, Some("3")),
            candidate("ABD_001", "c,2", 0, 1e-300, None),
            candidate("MED 002", "c\"3", 1, 0.5, None),
        ];
        write_scores(&path, &candidates).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("patient,candidate,label,score,lesion\n"));
        assert_eq!(read_scores(&path).unwrap(), candidates);
    }

    #[test]
    fn lesions_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lesions.csv");
        let lesions = vec![
            LesionRef { patient: "p1".into(), lesion: "1".into() },
            LesionRef { patient: "p2".into(), lesion: "node 4".into() },
        ];
        write_lesions(&path, &lesions).unwrap();
        assert_eq!(read_lesions(&path).unwrap(), lesions);
    }

    #[test]
    fn bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        let file = path.display().to_string();
        let check = |text: &str, needle: &str| {
            std::fs::write(&path, text).unwrap();
            let message = read_scores(&path).unwrap_err().to_string();
            assert!(message.starts_with(&format!("{file}, line ")), "{message}");
            assert!(message.contains(needle), "{message}");
        };
        let header = "patient,candidate,label,score,lesion\n";
        check(&format!("{header}p,c1,1,0.9,A\np,c2,2,0.5,\n"), "line 3: label '2'");
        check(&format!("{header}p,c1,0,NaN,\n"), "line 2: score 'NaN' is not finite");
        check(&format!("{header}p,c1,0,high,\n"), "line 2: score 'high'");
        check(&format!("{header}p,c1,0,0.5,A\n"), "line 2: a label-0 candidate");
        check(&format!("{header},c1,0,0.5,\n"), "line 2: empty patient");
        check(&format!("{header}p,c1,0,0.5,\np,c2,0,0.5\n"), "line 3");
        check("patient,candidate,label,score\n", "line 1: expected the header");
        check("", "line 1: expected the header");
    }

    #[test]
    fn unwritable_scores_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        let err = write_scores(&path, &[candidate("p", "c", 0, f64::INFINITY, None)]).unwrap_err();
        assert!(matches!(err, EvalIoError::Invalid { .. }));
        assert!(!path.exists());
        let missing = read_lesions(&dir.path().join("absent.csv")).unwrap_err();
        assert!(matches!(missing, EvalIoError::Io { .. }));
    }
}
