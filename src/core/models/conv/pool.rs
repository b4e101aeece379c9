//! Max pooling on the CPU, plane by plane over rayon's threads, remembering where each maximum
//! came from so that the backward pass adds the output gradient there. burn-flex's own takes
//! about three times PyTorch's time on CifarNet's first pooling (README, "Training speed").

use rayon::prelude::*;

/// One max pooling: `planes` (batch × channels) of `height × width`, no dilation, the same
/// padding on both sides of an axis, and the output size burn computes (ceil mode included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    pub planes: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub output: [usize; 2],
}

impl PoolGeometry {
    fn in_plane(&self) -> usize {
        self.height * self.width
    }

    fn out_plane(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// The input range a window covers along one axis, clipped to the input.
    fn window(&self, axis: usize, o: usize) -> std::ops::Range<usize> {
        let extent = [self.height, self.width][axis];
        let start = o * self.stride[axis];
        let begin = start.saturating_sub(self.padding[axis]).min(extent);
        let end = (start + self.kernel[axis]).saturating_sub(self.padding[axis]).min(extent);
        begin..end.max(begin)
    }
}

/// Planes handed to a rayon task at once.
const PLANES_PER_TASK: usize = 8;

/// The maxima (`[planes, out_rows, out_cols]`) and, for each, its index within its input plane
/// (the first maximum when several are equal, the last NaN when there are NaNs; −∞ and −1 for
/// a window that lies wholly in the padding, which burn's output size rules out).
pub fn forward(g: &PoolGeometry, x: &[f32]) -> (Vec<f32>, Vec<i32>) {
    let (in_plane, out_plane) = (g.in_plane(), g.out_plane());
    let mut out = vec![f32::NEG_INFINITY; g.planes * out_plane];
    let mut arg = vec![0i32; g.planes * out_plane];
    if out_plane == 0 {
        return (out, arg);
    }
    out.par_chunks_mut(out_plane)
        .zip(arg.par_chunks_mut(out_plane))
        .enumerate()
        .with_min_len(PLANES_PER_TASK)
        .for_each(|(plane, (out, arg))| {
            let src = &x[plane * in_plane..][..in_plane];
            let columns: Vec<_> = (0..g.output[1]).map(|ox| g.window(1, ox)).collect();
            for oy in 0..g.output[0] {
                let rows = g.window(0, oy);
                let line = oy * g.output[1];
                for (ox, cols) in columns.iter().enumerate() {
                    // A NaN wins and stays, as in PyTorch.
                    let (mut best, mut at) = (f32::NEG_INFINITY, rows.start * g.width + cols.start);
                    for iy in rows.clone() {
                        let start = iy * g.width + cols.start;
                        for (i, &v) in src[start..iy * g.width + cols.end].iter().enumerate() {
                            if v > best || v.is_nan() {
                                (best, at) = (v, start + i);
                            }
                        }
                    }
                    out[line + ox] = best;
                    arg[line + ox] = if rows.is_empty() || cols.is_empty() { -1 } else { at as i32 };
                }
            }
        });
    (out, arg)
}

/// The input gradient: each output's gradient added at the position of its maximum.
pub fn backward(g: &PoolGeometry, dy: &[f32], arg: &[i32]) -> Vec<f32> {
    let (in_plane, out_plane) = (g.in_plane(), g.out_plane());
    let mut dx = vec![0.0f32; g.planes * in_plane];
    if out_plane == 0 || in_plane == 0 {
        return dx;
    }
    dx.par_chunks_mut(in_plane).enumerate().with_min_len(PLANES_PER_TASK).for_each(|(plane, dx)| {
        let dy = &dy[plane * out_plane..][..out_plane];
        let arg = &arg[plane * out_plane..][..out_plane];
        for (d, &i) in dy.iter().zip(arg) {
            if let Ok(i) = usize::try_from(i) {
                dx[i] += *d;
            }
        }
    });
    dx
}
