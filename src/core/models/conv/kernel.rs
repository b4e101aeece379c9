//! The CPU convolution as Caffe computes it: per image, unfold the input into a patch matrix
//! (im2col) small enough to stay in cache, then one matrix product with the filters. The
//! gradients reuse the same unfolding: the filters' gradient is the output gradient times the
//! patch matrix, the input's is the filters (transposed) times the output gradient, folded back
//! (col2im). Images are split evenly over rayon's threads; each product runs on one thread.
//!
//! burn-flex instead tiles output positions over the whole batch and computes the gradients as
//! a convolution with the batch as channels and as a transposed convolution, which on the
//! paper's small networks costs it 3-7× PyTorch's time per layer (README, "Training speed").

use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use super::unfold::{col2im, im2col};

/// The shape of one 2-D convolution: NCHW input, OIHW filters, no dilation, no groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub filters: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// `(before, after)` for rows, then columns.
    pub padding: [(usize, usize); 2],
}

impl ConvGeometry {
    /// Output rows and columns, or `None` when the kernel does not fit the padded input.
    pub fn output_size(&self) -> Option<[usize; 2]> {
        let size = |extent: usize, (before, after): (usize, usize), kernel: usize, stride: usize| {
            (extent + before + after).checked_sub(kernel).map(|room| room / stride + 1)
        };
        Some([
            size(self.height, self.padding[0], self.kernel[0], self.stride[0])?,
            size(self.width, self.padding[1], self.kernel[1], self.stride[1])?,
        ])
    }

    /// Rows of the patch matrix: one per input channel and kernel position.
    pub(super) fn patch_len(&self) -> usize {
        self.channels * self.kernel[0] * self.kernel[1]
    }

    pub(super) fn positions(&self) -> usize {
        self.output_size().map_or(0, |[rows, cols]| rows * cols)
    }

    pub(super) fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// A row-major matrix view: `rows × cols` with element `(r, c)` at `r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
struct Mat {
    ptr: *const f32,
    row_stride: isize,
    col_stride: isize,
}

impl Mat {
    fn rows(data: &[f32], cols: usize) -> Self {
        Mat { ptr: data.as_ptr(), row_stride: cols as isize, col_stride: 1 }
    }

    /// The transpose of a row-major `_ × rows_of_original` matrix stored in `data`.
    fn transposed(data: &[f32], cols_of_original: usize) -> Self {
        Mat { ptr: data.as_ptr(), row_stride: 1, col_stride: cols_of_original as isize }
    }
}

/// `dst (m × n, row-major) = [dst +] lhs (m × k) · rhs (k × n)`, on the calling thread.
fn matmul(dst: &mut [f32], m: usize, n: usize, k: usize, lhs: Mat, rhs: Mat, accumulate: bool) {
    assert!(dst.len() >= m * n, "matmul: destination of {} for {m}×{n}", dst.len());
    // SAFETY: `dst` holds m·n elements (checked above) and is borrowed mutably, so nothing else
    // aliases it; every caller builds `lhs` and `rhs` from slices holding m·k and k·n elements
    // under the strides given, which outlive this call.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.ptr,
            lhs.col_stride,
            lhs.row_stride,
            rhs.ptr,
            rhs.col_stride,
            rhs.row_stride,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

thread_local! {
    /// Each thread's working memory (patch matrices, products), kept between calls: allocating
    /// it afresh each time cost a tenth of a CifarNet step in page faults and zeroing.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `work` with scratch buffers of the given lengths on this thread, their contents left
/// from earlier use (every caller overwrites what it reads).
fn with_scratch<R, const N: usize>(lens: [usize; N], work: impl FnOnce([&mut [f32]; N]) -> R) -> R {
    SCRATCH.with(|cell| {
        let mut taken = cell.take();
        let total = lens.iter().sum();
        if taken.len() < total {
            taken.resize(total, 0.0);
        }
        let mut rest = &mut taken[..total];
        let buffers = std::array::from_fn(|i| {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(lens[i]);
            rest = tail;
            head
        });
        let result = work(buffers);
        cell.replace(taken);
        result
    })
}

/// Images per thread: the batch split evenly over rayon's pool.
fn images_per_task(batch: usize) -> usize {
    batch.div_ceil(rayon::current_num_threads().max(1)).max(1)
}

/// Output positions a matrix product should span at least: small feature maps are unfolded
/// several images side by side so that the product stays wide enough to run at full speed.
const MIN_PRODUCT_WIDTH: usize = 512;

/// Images unfolded together, at most a task's.
fn group_size(positions: usize, per_task: usize) -> usize {
    MIN_PRODUCT_WIDTH.div_ceil(positions.max(1)).clamp(1, per_task)
}

/// The convolution: `x` is `[batch, channels, height, width]`, `weight` `[filters, channels,
/// kh, kw]`, `bias` `[filters]`; returns `[batch, filters, out_rows, out_cols]`.
pub fn forward(g: &ConvGeometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let (patch, positions) = (g.patch_len(), g.positions());
    let out_len = g.filters * positions;
    let mut out = vec![0.0f32; g.batch * out_len];
    if out_len == 0 {
        return out;
    }
    let per_task = images_per_task(g.batch);
    let group = group_size(positions, per_task);
    let width = group * positions;
    out.par_chunks_mut(per_task * out_len).enumerate().for_each(|(task, outs)| {
        with_scratch([patch * width, g.filters * width], |[col, product]| {
            for (k, outs) in outs.chunks_mut(group * out_len).enumerate() {
                let first = task * per_task + k * group;
                let images = outs.len() / out_len;
                for b in 0..images {
                    let image = &x[(first + b) * g.image_len()..][..g.image_len()];
                    im2col(g, image, &mut col[b * positions..], width);
                }
                let cols = images * positions;
                matmul(product, g.filters, cols, patch, Mat::rows(weight, patch), Mat::rows(col, width), false);
                for (b, out_n) in outs.chunks_mut(out_len).enumerate() {
                    for (o, row) in out_n.chunks_mut(positions).enumerate() {
                        let shift = bias.map_or(0.0, |bias| bias[o]);
                        for (d, p) in row.iter_mut().zip(&product[o * cols + b * positions..]) {
                            *d = *p + shift;
                        }
                    }
                }
            }
        });
    });
    out
}

/// Which gradients to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub x: bool,
    pub weight: bool,
    pub bias: bool,
}

/// The gradients of [`forward`] for the output gradient `dy`, those not wanted left empty.
#[derive(Debug, Default)]
pub struct Gradients {
    pub x: Vec<f32>,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

pub fn backward(g: &ConvGeometry, x: &[f32], weight: &[f32], dy: &[f32], wanted: Wanted) -> Gradients {
    let (dw, db) = if wanted.weight || wanted.bias { filter_gradients(g, x, dy, wanted) } else { Default::default() };
    let dx = if wanted.x { input_gradient(g, weight, dy) } else { Vec::new() };
    Gradients { x: dx, weight: dw, bias: db }
}

/// The input gradient. Without stride it is the "full" convolution of the output gradient
/// with the filters flipped and transposed, run as a forward convolution; with stride, the
/// filters (transposed) times the output gradient, folded back onto each image.
fn input_gradient(g: &ConvGeometry, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    let [out_rows, out_cols] = g.output_size().unwrap_or([0, 0]);
    let [kh, kw] = g.kernel;
    let full =
        |k: usize, (before, after): (usize, usize)| Some((k.checked_sub(1 + before)?, k.checked_sub(1 + after)?));
    if let (true, Some(rows), Some(cols)) = (g.stride == [1, 1], full(kh, g.padding[0]), full(kw, g.padding[1])) {
        let transposed = ConvGeometry {
            batch: g.batch,
            channels: g.filters,
            height: out_rows,
            width: out_cols,
            filters: g.channels,
            kernel: g.kernel,
            stride: [1, 1],
            padding: [rows, cols],
        };
        let mut flipped = vec![0.0f32; weight.len()];
        for o in 0..g.filters {
            for c in 0..g.channels {
                for i in 0..kh {
                    for j in 0..kw {
                        flipped[((c * g.filters + o) * kh + kh - 1 - i) * kw + kw - 1 - j] =
                            weight[((o * g.channels + c) * kh + i) * kw + j];
                    }
                }
            }
        }
        return forward(&transposed, dy, &flipped, None);
    }
    let (patch, positions) = (g.patch_len(), g.positions());
    let out_len = g.filters * positions;
    let mut dx = vec![0.0f32; g.batch * g.image_len()];
    if out_len == 0 {
        return dx;
    }
    let per_task = images_per_task(g.batch);
    dx.par_chunks_mut(per_task * g.image_len()).enumerate().for_each(|(task, dxs)| {
        with_scratch([patch * positions], |[dcol]| {
            for (i, dx_n) in dxs.chunks_mut(g.image_len()).enumerate() {
                let dy_n = &dy[(task * per_task + i) * out_len..][..out_len];
                let lhs = Mat::transposed(weight, patch);
                matmul(dcol, patch, positions, g.filters, lhs, Mat::rows(dy_n, positions), false);
                col2im(g, dcol, positions, dx_n);
            }
        });
    });
    dx
}

/// The filters' and the bias' gradients, summed over the batch: each task sums its images'
/// (several at a time, as in [`forward`]) and the tasks' sums are added.
fn filter_gradients(g: &ConvGeometry, x: &[f32], dy: &[f32], wanted: Wanted) -> (Vec<f32>, Vec<f32>) {
    let (patch, positions) = (g.patch_len(), g.positions());
    let out_len = g.filters * positions;
    let weight_len = if wanted.weight { g.filters * patch } else { 0 };
    let bias_len = if wanted.bias { g.filters } else { 0 };
    if out_len == 0 || g.batch == 0 {
        return (vec![0.0; weight_len], vec![0.0; bias_len]);
    }
    let per_task = images_per_task(g.batch);
    let group = group_size(positions, per_task);
    let width = group * positions;
    let tasks = g.batch.div_ceil(per_task);
    let sums: Vec<(Vec<f32>, Vec<f32>)> = (0..tasks)
        .into_par_iter()
        .map(|task| {
            let (mut dw, mut db) = (vec![0.0f32; weight_len], vec![0.0f32; bias_len]);
            let col_len = if wanted.weight { patch * width } else { 0 };
            with_scratch([col_len, g.filters * width], |[col, dy_group]| {
                let first = task * per_task;
                let last = (first + per_task).min(g.batch);
                for (k, start) in (first..last).step_by(group).enumerate() {
                    let images = group.min(last - start);
                    let cols = images * positions;
                    for b in 0..images {
                        let dy_n = &dy[(start + b) * out_len..][..out_len];
                        for (o, row) in dy_n.chunks(positions).enumerate() {
                            dy_group[o * width + b * positions..][..positions].copy_from_slice(row);
                        }
                        if wanted.weight {
                            let image = &x[(start + b) * g.image_len()..][..g.image_len()];
                            im2col(g, image, &mut col[b * positions..], width);
                        }
                    }
                    for (sum, row) in db.iter_mut().zip(dy_group.chunks(width)) {
                        *sum += row[..cols].iter().sum::<f32>();
                    }
                    if wanted.weight {
                        let lhs = Mat::rows(dy_group, width);
                        matmul(&mut dw, g.filters, patch, cols, lhs, Mat::transposed(col, width), k > 0);
                    }
                }
            });
            (dw, db)
        })
        .collect();
    let mut sums = sums.into_iter();
    let (mut dw, mut db) = sums.next().unwrap_or_default();
    for (w, b) in sums {
        add_into(&mut dw, &w);
        add_into(&mut db, &b);
    }
    (dw, db)
}

fn add_into(sum: &mut [f32], part: &[f32]) {
    for (s, p) in sum.iter_mut().zip(part) {
        *s += *p;
    }
}
