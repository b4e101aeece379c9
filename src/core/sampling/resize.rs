//! Bilinear resizing of sampled views (the paper samples at 64 px and resizes: up to 256 for
//! the "H" models, down to 32 for CifarNet), with half-pixel centres like
//! `torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`.

/// Resizes `channels` square planes of `from`×`from` pixels to `to`×`to`.
pub fn resize_bilinear(src: &[f32], channels: usize, from: usize, to: usize) -> Vec<f32> {
    debug_assert_eq!(src.len(), channels * from * from);
    if from == to {
        return src.to_vec();
    }
    let scale = from as f64 / to as f64;
    let coord = |k: usize| {
        let x = ((k as f64 + 0.5) * scale - 0.5).clamp(0.0, (from - 1) as f64);
        let i = x.floor() as usize;
        (i, (i + 1).min(from - 1), (x - i as f64) as f32)
    };
    let taps: Vec<(usize, usize, f32)> = (0..to).map(coord).collect();
    let mut out = vec![0f32; channels * to * to];
    for c in 0..channels {
        let plane = &src[c * from * from..(c + 1) * from * from];
        for (r, &(y0, y1, fy)) in taps.iter().enumerate() {
            for (q, &(x0, x1, fx)) in taps.iter().enumerate() {
                let top = plane[y0 * from + x0] + (plane[y0 * from + x1] - plane[y0 * from + x0]) * fx;
                let bottom = plane[y1 * from + x0] + (plane[y1 * from + x1] - plane[y1 * from + x0]) * fx;
                out[c * to * to + r * to + q] = top + (bottom - top) * fy;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_two_by_two_blocks() {
        let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let out = resize_bilinear(&src, 1, 4, 2);
        assert_eq!(out, vec![2.5, 4.5, 10.5, 12.5]);
    }

    #[test]
    fn upsampling_a_ramp_stays_a_ramp_inside() {
        let src = vec![0.0, 1.0, 0.0, 1.0];
        let out = resize_bilinear(&src, 1, 2, 4);
        assert_eq!(&out[0..4], &[0.0, 0.25, 0.75, 1.0]);
    }
}
