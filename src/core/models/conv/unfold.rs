//! The unfolding of an image into the patch matrix of a convolution (im2col) and its adjoint,
//! the folding of a patch matrix back onto an image (col2im).

use super::kernel::ConvGeometry;

/// The output positions `o` along one axis whose input `o * stride + offset - before` lies in
/// `0..extent`, as a range of `o` within `0..outputs`.
fn valid_outputs(outputs: usize, stride: usize, offset: usize, before: usize, extent: usize) -> (usize, usize) {
    let start = before.saturating_sub(offset).div_ceil(stride).min(outputs);
    let end = (extent + before).saturating_sub(offset).div_ceil(stride).min(outputs);
    (start, end.max(start))
}

/// Visits every row of the patch matrix and every output row, with the input row it reads
/// (`None` in the padding) and the valid output columns.
fn for_each_patch_row(
    g: &ConvGeometry,
    mut visit: impl FnMut(usize, usize, usize, Option<usize>, usize, (usize, usize)),
) {
    let [out_rows, out_cols] = g.output_size().unwrap_or([0, 0]);
    let [(top, _), (left, _)] = g.padding;
    let mut row = 0;
    for channel in 0..g.channels {
        for ki in 0..g.kernel[0] {
            for kj in 0..g.kernel[1] {
                let cols = valid_outputs(out_cols, g.stride[1], kj, left, g.width);
                for oy in 0..out_rows {
                    let iy = (oy * g.stride[0] + ki).checked_sub(top).filter(|&iy| iy < g.height);
                    visit(row, channel, kj, iy, oy, cols);
                }
                row += 1;
            }
        }
    }
}

/// Unfolds one image (`[channels, height, width]`) into its columns of a patch matrix whose
/// rows are `stride` long: row `r` of the image's block starts at `col[r * stride]`.
pub(super) fn im2col(g: &ConvGeometry, image: &[f32], col: &mut [f32], stride: usize) {
    let [out_rows, out_cols] = g.output_size().unwrap_or([0, 0]);
    if g.stride == [1, 1] && out_cols == g.width {
        return im2col_same_width(g, image, col, stride, out_rows);
    }
    let (left, step) = (g.padding[1].0, g.stride[1]);
    let plane = g.height * g.width;
    for_each_patch_row(g, |row, channel, kj, iy, oy, (start, end)| {
        let dst = &mut col[row * stride + oy * out_cols..][..out_cols];
        let Some(iy) = iy.filter(|_| start < end) else {
            dst.fill(0.0);
            return;
        };
        let src = &image[channel * plane + iy * g.width..][..g.width];
        dst[..start].fill(0.0);
        dst[end..].fill(0.0);
        let first = start * step + kj - left;
        if step == 1 {
            dst[start..end].copy_from_slice(&src[first..first + end - start]);
        } else {
            for (d, s) in dst[start..end].iter_mut().zip(src[first..].iter().step_by(step)) {
                *d = *s;
            }
        }
    });
}

/// [`im2col`] without stride and with as many output columns as input columns (padding
/// `kw - 1` in all): each patch row is then the channel's plane shifted by whole rows and a few
/// columns, copied in one piece, with the columns that wrapped round from the neighbouring
/// image row set to zero.
fn im2col_same_width(g: &ConvGeometry, image: &[f32], col: &mut [f32], stride: usize, out_rows: usize) {
    let (width, plane) = (g.width, g.height * g.width);
    let (top, left) = (g.padding[0].0, g.padding[1].0);
    let mut row = 0;
    for channel in 0..g.channels {
        let src = &image[channel * plane..][..plane];
        for ki in 0..g.kernel[0] {
            let first = top.saturating_sub(ki).min(out_rows);
            let last = (g.height + top).saturating_sub(ki).clamp(first, out_rows);
            for kj in 0..g.kernel[1] {
                let dst = &mut col[row * stride..][..out_rows * width];
                row += 1;
                dst[..first * width].fill(0.0);
                dst[last * width..].fill(0.0);
                if first == last {
                    continue;
                }
                // dst[oy * width + ox] = src[(oy + ki - top) * width + ox + kj - left]
                let block = &mut dst[first * width..last * width];
                let start = ((first + ki - top) * width + kj) as isize - left as isize;
                let (skip, from) = if start < 0 { (start.unsigned_abs(), 0) } else { (0, start as usize) };
                let len = (block.len() - skip).min(plane - from);
                block[..skip].fill(0.0);
                block[skip..skip + len].copy_from_slice(&src[from..from + len]);
                block[skip + len..].fill(0.0);
                // One column at a time: a fill of a line's one or two wrapped values is a call to
                // memset, which cost more than the copy.
                let (wrap_left, wrap_right) = (left.saturating_sub(kj), kj.saturating_sub(left));
                for column in (0..wrap_left).chain(width - wrap_right..width) {
                    for v in block[column..].iter_mut().step_by(width) {
                        *v = 0.0;
                    }
                }
            }
        }
    }
}

/// Folds one image's columns of a patch matrix (rows `stride` long) back onto the image, adding
/// overlapping patches: the adjoint of [`im2col`].
pub(super) fn col2im(g: &ConvGeometry, col: &[f32], stride: usize, image: &mut [f32]) {
    image.fill(0.0);
    let [_, out_cols] = g.output_size().unwrap_or([0, 0]);
    let (left, step) = (g.padding[1].0, g.stride[1]);
    let plane = g.height * g.width;
    for_each_patch_row(g, |row, channel, kj, iy, oy, (start, end)| {
        let Some(iy) = iy.filter(|_| start < end) else { return };
        let src = &col[row * stride + oy * out_cols..][..out_cols];
        let dst = &mut image[channel * plane + iy * g.width..][..g.width];
        let first = start * step + kj - left;
        for (d, s) in dst[first..].iter_mut().step_by(step).zip(&src[start..end]) {
            *d += *s;
        }
    });
}
