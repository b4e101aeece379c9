//! The cubic B-spline prefilter (Unser's recursive filter with mirror boundaries and exact
//! causal initialisation, as `scipy.ndimage.spline_filter(order=3, mode="mirror")`), in f64.
//!
//! Along x the lines are contiguous and each is filtered on its own. Along y and z the filter
//! runs across whole rows at once: every step of the recursion updates a row of `nx` values
//! from the previous row, a loop the compiler vectorises and that reads memory in order. Each
//! line sees exactly the same operations either way.

use rayon::prelude::*;

/// The pole of the cubic B-spline prefilter, √3 − 2.
const POLE: f64 = -0.267_949_192_431_122_7;

/// The filter's gain, applied before the recursions.
const GAIN: f64 = (1.0 - POLE) * (1.0 - 1.0 / POLE);

/// In-place prefilter of one line (mirror boundary, exact causal initialisation).
pub(super) fn prefilter_line(line: &mut [f64]) {
    let n = line.len();
    if n < 2 {
        return;
    }
    let z = POLE;
    for v in line.iter_mut() {
        *v *= GAIN;
    }
    // causal initialisation for the whole-sample mirror extension (period 2n − 2)
    let mut zk = 1.0;
    let mut sum = 0.0;
    for &v in line.iter() {
        sum += zk * v;
        zk *= z;
    }
    // zk is now z^n; continue over the mirrored part k = n .. 2n − 3 (values line[2n − 2 − k])
    for k in n..(2 * n - 2) {
        sum += zk * line[2 * n - 2 - k];
        zk *= z;
    }
    line[0] = sum / (1.0 - zk);
    for k in 1..n {
        line[k] += z * line[k - 1];
    }
    line[n - 1] = (z / (z * z - 1.0)) * (line[n - 1] + z * line[n - 2]);
    for k in (0..n - 1).rev() {
        line[k] = z * (line[k + 1] - line[k]);
    }
}

/// `dst[i] = op(dst[i], src[i])` over two rows of the work buffer (`dst` after or before `src`).
#[inline(always)]
fn combine(work: &mut [f64], width: usize, dst: usize, src: usize, op: impl Fn(f64, f64) -> f64) {
    let (d, s) = if dst > src {
        let (head, tail) = work.split_at_mut(dst * width);
        (&mut tail[..width], &head[src * width..(src + 1) * width])
    } else {
        let (head, tail) = work.split_at_mut(src * width);
        (&mut head[dst * width..(dst + 1) * width], &tail[..width])
    };
    d.iter_mut().zip(s).for_each(|(d, &s)| *d = op(*d, s));
}

/// Prefilters along the rows' order: `rows[k][i]` is sample k of line i. The same steps as
/// [`prefilter_line`], each applied to a whole row; `work` holds the rows in f64.
fn prefilter_across(rows: &mut [&mut [f32]], work: &mut Vec<f64>) {
    let n = rows.len();
    if n < 2 {
        return;
    }
    let width = rows[0].len();
    let z = POLE;
    work.clear();
    work.extend(rows.iter().flat_map(|r| r.iter().map(|&v| f64::from(v) * GAIN)));
    // causal initialisation, accumulated beside the rows
    let mut sum = vec![0f64; width];
    let mut zk = 1.0;
    let mirrored = (n..2 * n - 2).map(|k| 2 * n - 2 - k);
    for k in (0..n).chain(mirrored) {
        let row = &work[k * width..(k + 1) * width];
        sum.iter_mut().zip(row).for_each(|(s, &v)| *s += zk * v);
        zk *= z;
    }
    work[..width].iter_mut().zip(&sum).for_each(|(w, s)| *w = s / (1.0 - zk));
    for k in 1..n {
        combine(work, width, k, k - 1, |d, s| d + z * s);
    }
    let last = z / (z * z - 1.0);
    combine(work, width, n - 1, n - 2, |d, s| last * (d + z * s));
    for k in (0..n - 1).rev() {
        combine(work, width, k, k + 1, |d, s| z * (s - d));
    }
    for (k, row) in rows.iter_mut().enumerate() {
        row.iter_mut().zip(&work[k * width..(k + 1) * width]).for_each(|(o, &v)| *o = v as f32);
    }
}

/// The B-spline coefficients of voxels `data` on a grid of `dims`: the prefilter along x, y
/// and z (in parallel over lines, slabs and rows).
pub fn prefilter<T: Copy + Into<f32> + Sync>(data: &[T], dims: [usize; 3]) -> Vec<f32> {
    let [nx, ny, _] = dims;
    let mut c: Vec<f32> = data.par_iter().map(|&x| x.into()).collect();
    // x: contiguous rows
    c.par_chunks_mut(nx).for_each_init(Vec::new, |line: &mut Vec<f64>, row| {
        line.clear();
        line.extend(row.iter().map(|&v| f64::from(v)));
        prefilter_line(line);
        row.iter_mut().zip(line.iter()).for_each(|(o, v)| *o = *v as f32);
    });
    // y: within each z-slab, across its rows
    c.par_chunks_mut(nx * ny).for_each_init(Vec::new, |work, slab| {
        let mut rows: Vec<&mut [f32]> = slab.chunks_mut(nx).collect();
        prefilter_across(&mut rows, work);
    });
    // z: for each y, across the rows (y, z) of every slab
    let mut by_y: Vec<Vec<&mut [f32]>> = (0..ny).map(|_| Vec::new()).collect();
    for (i, row) in c.chunks_mut(nx).enumerate() {
        by_y[i % ny].push(row);
    }
    by_y.par_iter_mut().for_each_init(Vec::new, |work, rows| prefilter_across(rows, work));
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtering_across_rows_is_filtering_each_line() {
        let (width, n) = (5, 7);
        let values: Vec<f32> = (0..width * n).map(|i| ((i * 37 % 23) as f32 - 11.0) * 13.5).collect();
        let mut across = values.clone();
        let mut rows: Vec<&mut [f32]> = across.chunks_mut(width).collect();
        prefilter_across(&mut rows, &mut Vec::new());
        for i in 0..width {
            let mut line: Vec<f64> = (0..n).map(|k| f64::from(values[k * width + i])).collect();
            prefilter_line(&mut line);
            for k in 0..n {
                assert_eq!(across[k * width + i], line[k] as f32, "line {i}, sample {k}");
            }
        }
    }
}
