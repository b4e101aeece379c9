//! Geometric primitives of the synthetic phantom (ellipsoids and tubes with walls), tissue
//! classes, and a seeded lattice noise for texture.

use glam::{DMat3, DVec3};

/// What a point of the phantom is made of; candidates are placed by tissue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tissue {
    Air,
    Skin,
    Fat,
    Muscle,
    Lung,
    Airway,
    Vessel,
    Heart,
    Bone,
    Organ,
    Bowel,
    Node,
}

impl Tissue {
    /// Soft tissue a lymph node may displace when painted (not bone, air or vessels).
    pub fn node_may_replace(self) -> bool {
        matches!(self, Tissue::Fat | Tissue::Muscle | Tissue::Organ)
    }
}

/// An axis-aligned box for quick rejection.
#[derive(Clone, Copy, Debug)]
pub struct Aabb {
    pub lo: DVec3,
    pub hi: DVec3,
}

impl Aabb {
    pub fn contains(&self, p: DVec3) -> bool {
        p.cmpge(self.lo).all() && p.cmple(self.hi).all()
    }
}

/// An ellipsoid with an optional wall (a shell of another tissue and HU).
#[derive(Clone, Debug)]
pub struct Ellipsoid {
    pub center: DVec3,
    pub semi_axes_mm: DVec3,
    /// Rotation from local to world (columns are the ellipsoid's axes).
    pub rotation: DMat3,
}

impl Ellipsoid {
    pub fn axis_aligned(center: DVec3, semi_axes_mm: DVec3) -> Self {
        Self { center, semi_axes_mm, rotation: DMat3::IDENTITY }
    }

    /// Normalised radius: < 1 inside, 1 on the surface.
    pub fn rho(&self, p: DVec3) -> f64 {
        let local = self.rotation.transpose() * (p - self.center);
        (local / self.semi_axes_mm).length()
    }

    /// Approximate depth below the surface in mm (positive inside).
    pub fn depth_mm(&self, p: DVec3) -> f64 {
        (1.0 - self.rho(p)) * self.semi_axes_mm.min_element()
    }

    pub fn aabb(&self) -> Aabb {
        let r = self.semi_axes_mm.max_element();
        Aabb { lo: self.center - DVec3::splat(r), hi: self.center + DVec3::splat(r) }
    }
}

/// A tube along a polyline with a radius at each vertex (linearly interpolated).
#[derive(Clone, Debug)]
pub struct Tube {
    pub points: Vec<DVec3>,
    pub radii_mm: Vec<f64>,
}

impl Tube {
    pub fn new(points: Vec<DVec3>, radii_mm: Vec<f64>) -> Self {
        debug_assert_eq!(points.len(), radii_mm.len());
        Self { points, radii_mm }
    }

    pub fn uniform(points: Vec<DVec3>, radius_mm: f64) -> Self {
        let radii = vec![radius_mm; points.len()];
        Self::new(points, radii)
    }

    /// Depth inside the tube in mm (radius minus distance to the axis); negative outside.
    pub fn depth_mm(&self, p: DVec3) -> f64 {
        let mut best = f64::NEG_INFINITY;
        for i in 0..self.points.len().saturating_sub(1) {
            let (a, b) = (self.points[i], self.points[i + 1]);
            let ab = b - a;
            let t = ((p - a).dot(ab) / ab.length_squared().max(1e-12)).clamp(0.0, 1.0);
            let r = self.radii_mm[i] + t * (self.radii_mm[i + 1] - self.radii_mm[i]);
            best = best.max(r - p.distance(a + t * ab));
        }
        best
    }

    pub fn aabb(&self) -> Aabb {
        let r = self.radii_mm.iter().copied().fold(0.0, f64::max);
        let lo = self.points.iter().copied().fold(DVec3::splat(f64::INFINITY), DVec3::min);
        let hi = self.points.iter().copied().fold(DVec3::splat(f64::NEG_INFINITY), DVec3::max);
        Aabb { lo: lo - DVec3::splat(r), hi: hi + DVec3::splat(r) }
    }

    /// Points along the axis every `step_mm` (for placing candidates on vessels).
    pub fn axis_samples(&self, step_mm: f64) -> Vec<(DVec3, f64)> {
        let mut out = Vec::new();
        for i in 0..self.points.len().saturating_sub(1) {
            let (a, b) = (self.points[i], self.points[i + 1]);
            let n = (a.distance(b) / step_mm).ceil().max(1.0) as usize;
            for s in 0..n {
                let t = s as f64 / n as f64;
                let r = self.radii_mm[i] + t * (self.radii_mm[i + 1] - self.radii_mm[i]);
                out.push((a.lerp(b, t), r));
            }
        }
        out
    }
}

/// A shape of the phantom with what it is made of.
#[derive(Clone, Debug)]
pub enum Shape {
    Ellipsoid(Ellipsoid),
    Tube(Tube),
}

impl Shape {
    pub fn depth_mm(&self, p: DVec3) -> f64 {
        match self {
            Shape::Ellipsoid(e) => e.depth_mm(p),
            Shape::Tube(t) => t.depth_mm(p),
        }
    }

    pub fn aabb(&self) -> Aabb {
        match self {
            Shape::Ellipsoid(e) => e.aabb(),
            Shape::Tube(t) => t.aabb(),
        }
    }
}

/// A painted structure: inside `shape`, the wall (outer `wall_mm`) gets `wall`, the rest
/// `core`. `over` restricts painting to points whose current tissue it accepts.
#[derive(Clone, Debug)]
pub struct Structure {
    pub shape: Shape,
    pub core: (Tissue, f32),
    pub wall: Option<(f64, Tissue, f32)>,
    pub over: Over,
    pub aabb: Aabb,
    /// Amplitude (HU) of the texture added to the core.
    pub texture_hu: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    /// Only inside the body (not air outside it).
    Body,
    /// Only where a node may replace the tissue.
    SoftTissue,
    /// Only over one tissue (e.g. lung vessels over lung, gas over bowel contents).
    Only(Tissue),
}

impl Structure {
    pub fn new(shape: Shape, tissue: Tissue, hu: f32) -> Self {
        let aabb = shape.aabb();
        Self { shape, core: (tissue, hu), wall: None, over: Over::Body, aabb, texture_hu: 0.0 }
    }

    pub fn with_wall(mut self, thickness_mm: f64, tissue: Tissue, hu: f32) -> Self {
        self.wall = Some((thickness_mm, tissue, hu));
        self
    }

    pub fn over(mut self, over: Over) -> Self {
        self.over = over;
        self
    }

    pub fn textured(mut self, amplitude_hu: f32) -> Self {
        self.texture_hu = amplitude_hu;
        self
    }

    /// The tissue and HU this structure paints at `p`, if `p` is inside it.
    pub fn paint(&self, p: DVec3, current: Tissue) -> Option<(Tissue, f32, bool)> {
        if !self.aabb.contains(p) {
            return None;
        }
        let accepted = match self.over {
            Over::Only(t) => current == t,
            Over::Body => current != Tissue::Air,
            Over::SoftTissue => current.node_may_replace(),
        };
        if !accepted {
            return None;
        }
        let depth = self.shape.depth_mm(p);
        if depth < 0.0 {
            return None;
        }
        match self.wall {
            Some((t, tissue, hu)) if depth < t => Some((tissue, hu, false)),
            _ => Some((self.core.0, self.core.1, true)),
        }
    }
}

/// Smooth seeded lattice noise in [−1, 1] with features about `scale_mm` apart.
pub fn value_noise(seed: u64, p: DVec3, scale_mm: f64) -> f64 {
    let q = p / scale_mm;
    let base = q.floor();
    let f = q - base;
    let s = f * f * (DVec3::splat(3.0) - 2.0 * f);
    let (ix, iy, iz) = (base.x as i64, base.y as i64, base.z as i64);
    let corner = |dx: i64, dy: i64, dz: i64| lattice(seed, ix + dx, iy + dy, iz + dz);
    let x00 = lerp(corner(0, 0, 0), corner(1, 0, 0), s.x);
    let x10 = lerp(corner(0, 1, 0), corner(1, 1, 0), s.x);
    let x01 = lerp(corner(0, 0, 1), corner(1, 0, 1), s.x);
    let x11 = lerp(corner(0, 1, 1), corner(1, 1, 1), s.x);
    lerp(lerp(x00, x10, s.y), lerp(x01, x11, s.y), s.z)
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// A hash of a lattice point to [−1, 1] (SplitMix64 finaliser).
fn lattice(seed: u64, x: i64, y: i64, z: i64) -> f64 {
    let mut h = seed
        ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ (z as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tube_depth_is_radius_minus_axis_distance() {
        let t = Tube::new(vec![DVec3::ZERO, DVec3::new(0.0, 0.0, 10.0)], vec![2.0, 4.0]);
        assert!((t.depth_mm(DVec3::new(1.0, 0.0, 5.0)) - 2.0).abs() < 1e-12);
        assert!((t.depth_mm(DVec3::new(0.0, 0.0, -1.0)) - 1.0).abs() < 1e-12);
        assert!(t.depth_mm(DVec3::new(5.0, 0.0, 5.0)) < 0.0);
    }

    #[test]
    fn ellipsoid_inside_outside() {
        let e = Ellipsoid::axis_aligned(DVec3::new(1.0, 2.0, 3.0), DVec3::new(4.0, 2.0, 1.0));
        assert!((e.rho(DVec3::new(5.0, 2.0, 3.0)) - 1.0).abs() < 1e-12);
        assert!(e.rho(DVec3::new(1.0, 3.0, 3.0)) < 1.0);
        assert!(e.rho(DVec3::new(1.0, 2.0, 4.5)) > 1.0);
    }

    #[test]
    fn noise_is_bounded_smooth_and_seeded() {
        let p = DVec3::new(3.3, -7.1, 12.9);
        let a = value_noise(7, p, 10.0);
        assert_eq!(a, value_noise(7, p, 10.0));
        assert_ne!(a, value_noise(8, p, 10.0));
        assert!((-1.0..=1.0).contains(&a));
        let b = value_noise(7, p + DVec3::splat(0.01), 10.0);
        assert!((a - b).abs() < 0.01);
    }
}
