//! Polygons in pixel units: which pixel centres a contour encloses (even–odd rule, the
//! crossing test of W. R. Franklin's PNPOLY), as a mask over the image.

use super::roi::PixelPoint;

/// Whether the point (row, col) is inside the polygon (even–odd rule).
pub fn contains(polygon: &[PixelPoint], row: f64, col: f64) -> bool {
    let mut inside = false;
    let n = polygon.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (polygon[i], polygon[j]);
        if (a.row > row) != (b.row > row) && col < (b.col - a.col) * (row - a.row) / (b.row - a.row) + a.col {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A row-major `rows × cols` mask of the pixels whose centres the polygon encloses.
pub fn rasterize(polygon: &[PixelPoint], rows: usize, cols: usize) -> Vec<bool> {
    let mut mask = vec![false; rows * cols];
    if polygon.len() < 3 {
        return mask;
    }
    let lo = polygon.iter().map(|p| p.row).fold(f64::INFINITY, f64::min).floor().max(0.0) as usize;
    let hi = polygon.iter().map(|p| p.row).fold(f64::NEG_INFINITY, f64::max).ceil().max(0.0) as usize;
    for r in lo..=hi.min(rows.saturating_sub(1)) {
        let y = r as f64;
        // the crossings of this row's centre line, sorted: pixels between pairs are inside
        let mut xs: Vec<f64> = Vec::new();
        let n = polygon.len();
        for i in 0..n {
            let (a, b) = (polygon[i], polygon[(i + n - 1) % n]);
            if (a.row > y) != (b.row > y) {
                xs.push((b.col - a.col) * (y - a.row) / (b.row - a.row) + a.col);
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            // centres c with pair[0] <= c < pair[1] (PNPOLY counts a crossing when col < x)
            let first = pair[0].ceil().max(0.0) as usize;
            let end = (pair[1].ceil().max(0.0) as usize).min(cols);
            for c in first..end {
                mask[r * cols + c] = true;
            }
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(r0: f64, c0: f64, r1: f64, c1: f64) -> Vec<PixelPoint> {
        [(r0, c0), (r0, c1), (r1, c1), (r1, c0)].map(|(row, col)| PixelPoint { row, col }).to_vec()
    }

    #[test]
    fn a_square_encloses_the_centres_inside_it() {
        // corners at half pixels: exactly the 3 × 4 pixels of rows 2..=4, columns 1..=4
        let m = rasterize(&square(1.5, 0.5, 4.5, 4.5), 6, 6);
        let inside: Vec<(usize, usize)> = (0..36).filter(|&i| m[i]).map(|i| (i / 6, i % 6)).collect();
        let expected: Vec<(usize, usize)> = (2..=4).flat_map(|r| (1..=4).map(move |c| (r, c))).collect();
        assert_eq!(inside, expected);
        for r in 0..6 {
            for c in 0..6 {
                assert_eq!(m[r * 6 + c], contains(&square(1.5, 0.5, 4.5, 4.5), r as f64, c as f64), "({r}, {c})");
            }
        }
    }

    #[test]
    fn a_triangle_and_clipping_at_the_border() {
        // right triangle (0,0), (0,4), (4,0) scaled by 1 with a half-pixel shift: centre (r, c)
        // inside when r + c < 3.5 and r, c > -0.5
        let t = [(-0.5, -0.5), (-0.5, 4.0), (4.0, -0.5)].map(|(row, col)| PixelPoint { row, col });
        let m = rasterize(&t, 5, 5);
        for r in 0..5 {
            for c in 0..5 {
                assert_eq!(m[r * 5 + c], (r + c) as f64 <= 3.0, "({r}, {c})");
            }
        }
        let off = rasterize(&square(-3.5, -3.5, 1.5, 1.5), 4, 4);
        assert_eq!(off.iter().filter(|&&b| b).count(), 4, "only the 2 × 2 pixels inside the image");
    }
}
