//! Training curves of a run (from `metrics.jsonl` or live events): per-iteration loss with an
//! exponential moving average, per-epoch validation loss and accuracy, the learning rate; and
//! their CSV export.

use std::path::{Path, PathBuf};

use super::events::{EpochMetrics, IterationMetrics, MetricRecord};
use super::run_dir::{RunDir, RunDirError};
use crate::core::atomic::write_atomically;

/// The curves of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunCurves {
    pub name: String,
    pub path: PathBuf,
    pub iterations: Vec<IterationMetrics>,
    pub epochs: Vec<EpochMetrics>,
}

impl RunCurves {
    pub fn load(run: &RunDir) -> Result<Self, RunDirError> {
        let mut c = RunCurves { name: run.name(), path: run.path.clone(), ..Default::default() };
        for record in run.read_metrics()? {
            c.push(record);
        }
        Ok(c)
    }

    pub fn push(&mut self, record: MetricRecord) {
        match record {
            MetricRecord::Iteration(m) => self.iterations.push(m),
            MetricRecord::Epoch(m) => self.epochs.push(m),
        }
    }

    /// x position of an iteration in epochs (so iteration and epoch curves share an axis).
    pub fn iteration_epoch(m: &IterationMetrics) -> f64 {
        m.epoch as f64 + (m.iteration as f64 + 1.0) / m.iterations_per_epoch.max(1) as f64
    }

    /// Exponential moving average of the iteration losses (`alpha` weights the newest).
    pub fn smoothed_loss(&self, alpha: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.iterations.len());
        let mut ema = None;
        for m in &self.iterations {
            let v = match ema {
                Some(e) => alpha * m.loss + (1.0 - alpha) * e,
                None => m.loss,
            };
            ema = Some(v);
            out.push(v);
        }
        out
    }
}

/// Writes the iteration and epoch curves of `runs` as one CSV table (a `run` and a `kind` column
/// tell the rows apart), atomically.
pub fn write_curves_csv(runs: &[RunCurves], path: &Path) -> std::io::Result<()> {
    write_atomically(path, |w| {
        writeln!(
            w,
            "run,kind,epoch,iteration,global_iteration,loss,lr,images_per_second,train_loss,train_accuracy,val_loss,val_accuracy,seconds"
        )?;
        for run in runs {
            for m in &run.iterations {
                writeln!(
                    w,
                    "{},iteration,{},{},{},{},{},{},,,,,",
                    run.name, m.epoch, m.iteration, m.global_iteration, m.loss, m.lr, m.images_per_second
                )?;
            }
            for m in &run.epochs {
                writeln!(
                    w,
                    "{},epoch,{},,,,{},,{},{},{},{},{}",
                    run.name, m.epoch, m.lr, m.train_loss, m.train_accuracy, m.val_loss, m.val_accuracy, m.seconds
                )?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iteration(epoch: usize, iteration: usize, loss: f64) -> IterationMetrics {
        IterationMetrics {
            epoch,
            iteration,
            global_iteration: epoch * 4 + iteration,
            iterations_per_epoch: 4,
            loss,
            lr: 0.01,
            images_per_second: 1.0,
        }
    }

    #[test]
    fn smoothing_and_positions() {
        let mut c = RunCurves::default();
        for (i, loss) in [1.0, 0.0, 0.0].into_iter().enumerate() {
            c.push(MetricRecord::Iteration(iteration(0, i, loss)));
        }
        assert_eq!(c.smoothed_loss(0.5), vec![1.0, 0.5, 0.25]);
        assert_eq!(RunCurves::iteration_epoch(&c.iterations[1]), 0.5);
        assert_eq!(RunCurves::iteration_epoch(&iteration(2, 3, 0.0)), 3.0);
    }

    #[test]
    fn csv_has_one_line_per_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = RunCurves { name: "r".into(), ..Default::default() };
        c.push(MetricRecord::Iteration(iteration(0, 0, 0.7)));
        c.push(MetricRecord::Epoch(EpochMetrics {
            epoch: 0,
            train_loss: 0.7,
            train_accuracy: 0.5,
            val_loss: 0.6,
            val_accuracy: 0.6,
            lr: 0.01,
            seconds: 2.0,
            data_wait_seconds: 0.0,
            images_per_second: 100.0,
        }));
        let other = RunCurves { name: "s".into(), ..c.clone() };
        let p = dir.path().join("c.csv");
        write_curves_csv(&[c, other], &p).unwrap();
        let text = std::fs::read_to_string(p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "one header, then two rows per run");
        assert!(lines[0].starts_with("run,kind,"));
        assert!(lines[1].starts_with("r,iteration,0,0,0,0.7,"));
        assert!(lines[2].starts_with("r,epoch,0,"));
        assert!(lines[4].starts_with("s,epoch,0,"));
    }
}
