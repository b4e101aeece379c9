//! The synthetic trunk: body wall, lungs, spine and ribs, plus the organs of [`super::organs`]
//! and the lymph nodes, evaluated point by point (noise-free) in patient millimetres.

use glam::{DVec2, DVec3};
use rand::RngExt;
use rand_pcg::Pcg64;

use super::organs::{self, VesselAxis};
use super::shapes::{Structure, Tissue, Tube, value_noise};

/// Body cross-section and wall of one patient.
#[derive(Clone, Debug)]
struct Body {
    /// Half width (left-right) and half depth (antero-posterior) of the thorax, mm.
    thorax: DVec2,
    /// The same for the abdomen.
    abdomen: DVec2,
    subcutaneous_fat_mm: f64,
    muscle_mm: f64,
}

impl Body {
    fn semi_axes(&self, z: f64) -> DVec2 {
        let t = ((z + 200.0) / 60.0).clamp(0.0, 1.0);
        self.abdomen.lerp(self.thorax, t)
    }

    /// Depth below the skin in mm (negative outside), from a superellipse cross-section.
    fn depth_mm(&self, p: DVec3) -> f64 {
        let s = self.semi_axes(p.z);
        let n = 2.4;
        let r = ((p.x / s.x).abs().powf(n) + (p.y / s.y).abs().powf(n)).powf(1.0 / n);
        (1.0 - r) * s.min_element()
    }
}

/// One lung: an elliptic column tapering to the apex, cut by the diaphragm dome.
#[derive(Clone, Debug)]
struct Lung {
    center: DVec2,
    semi: DVec2,
    apex_z: f64,
    dome_z: f64,
}

impl Lung {
    fn contains(&self, p: DVec3) -> bool {
        let d = (DVec2::new(p.x, p.y) - self.center) / self.semi;
        let rho2 = d.length_squared();
        let taper_from = self.apex_z - 70.0;
        let limit = if p.z > taper_from { 1.0 - ((p.z - taper_from) / 70.0).powi(2) } else { 1.0 };
        let floor = self.dome_z - 55.0 * rho2;
        rho2 < limit && p.z > floor && p.z < self.apex_z
    }
}

/// A whole synthetic patient, without noise.
pub struct Phantom {
    seed: u64,
    body: Body,
    lungs: [Lung; 2],
    before_lungs: Vec<Structure>,
    after_lungs: Vec<Structure>,
    nodes: Vec<Structure>,
    pub vessels: Vec<VesselAxis>,
    pub bowel: Vec<Tube>,
    table_y: f64,
}

impl Phantom {
    pub fn generate(rng: &mut Pcg64) -> Phantom {
        let seed = rng.random::<u64>();
        let scale = rng.random_range(0.92..1.06);
        let body = Body {
            thorax: DVec2::new(165.0, 112.0) * scale * DVec2::new(1.0, rng.random_range(0.95..1.05)),
            abdomen: DVec2::new(158.0, 118.0) * scale * DVec2::new(1.0, rng.random_range(0.92..1.1)),
            subcutaneous_fat_mm: rng.random_range(8.0..24.0),
            muscle_mm: rng.random_range(9.0..14.0),
        };
        let t = body.thorax;
        let lung = |side: f64, dome_z: f64| Lung {
            center: DVec2::new(side * 0.5 * t.x, 0.0),
            semi: DVec2::new(0.34 * t.x, 0.78 * t.y),
            apex_z: 118.0,
            dome_z,
        };
        let dome_r = rng.random_range(-140.0..-125.0);
        let lungs = [lung(1.0, dome_r), lung(-1.0, dome_r - rng.random_range(8.0..18.0))];
        let contrast = rng.random_range(200.0..320.0);
        let organs = organs::build(rng, contrast);
        let mut after_lungs = Vec::new();
        for (side, lung) in [(1.0, &lungs[0]), (-1.0, &lungs[1])] {
            let hilum = DVec3::new(side * 50.0, lung.center.y, -18.0);
            after_lungs.extend(organs::lung_vessels(rng, hilum, side, contrast));
        }
        after_lungs.extend(organs.after_lungs);
        Phantom {
            seed,
            table_y: -body.thorax.y.max(body.abdomen.y) - 18.0,
            body,
            lungs,
            before_lungs: organs.before_lungs,
            after_lungs,
            nodes: Vec::new(),
            vessels: organs.vessels,
            bowel: organs.bowel,
        }
    }

    /// Adds lymph nodes, painted last.
    pub fn add_nodes(&mut self, nodes: Vec<Structure>) {
        self.nodes.extend(nodes);
    }

    /// Depth below the skin (mm); negative outside the body.
    pub fn body_depth_mm(&self, p: DVec3) -> f64 {
        self.body.depth_mm(p)
    }

    /// Depth below the inner surface of the muscle wall (mm): positive in the body cavity.
    pub fn cavity_depth_mm(&self, p: DVec3) -> f64 {
        self.body.depth_mm(p) - 2.5 - self.body.subcutaneous_fat_mm - self.body.muscle_mm
    }

    /// The tissue and noise-free HU at a point (patient mm).
    pub fn sample(&self, p: DVec3) -> (Tissue, f32) {
        let tex = |amp: f64, scale: f64| (amp * value_noise(self.seed, p, scale)) as f32;
        let depth = self.body.depth_mm(p);
        if depth < 0.0 {
            let table = p.y < self.table_y && p.y > self.table_y - 6.0 && p.x.abs() < 190.0;
            return (Tissue::Air, if table { 180.0 } else { -1000.0 });
        }
        let fat_end = 2.5 + self.body.subcutaneous_fat_mm;
        let mut current = if depth < 2.5 {
            (Tissue::Skin, 30.0)
        } else if depth < fat_end {
            (Tissue::Fat, -105.0 + tex(10.0, 6.0))
        } else if depth < fat_end + self.body.muscle_mm {
            (Tissue::Muscle, 48.0 + tex(6.0, 5.0))
        } else {
            (Tissue::Fat, -95.0 + tex(10.0, 7.0))
        };
        if let Some(m) = self.paraspinal(p) {
            current = m;
        }
        paint_all(&self.before_lungs, p, &mut current, &tex);
        if self.lungs.iter().any(|l| l.contains(p)) && p.x.abs() > self.mediastinum_half_width_mm(p) {
            let dependent = (-p.y / self.body.thorax.y).max(0.0).powi(2) * 70.0;
            current = (Tissue::Lung, -865.0 + dependent as f32 + tex(30.0, 11.0));
        }
        paint_all(&self.after_lungs, p, &mut current, &tex);
        if let Some(bone) = self.spine(p).or_else(|| self.rib(p)) {
            current = bone;
        }
        paint_all(&self.nodes, p, &mut current, &tex);
        current
    }

    /// Half width of the mediastinum: wide in front of the spine, narrow beside it.
    fn mediastinum_half_width_mm(&self, p: DVec3) -> f64 {
        if p.y < -0.45 * self.body.thorax.y { 26.0 } else { 34.0 }
    }

    fn paraspinal(&self, p: DVec3) -> Option<(Tissue, f32)> {
        let y0 = -0.8 * self.body.semi_axes(p.z).y;
        let d = DVec2::new((p.x.abs() - 38.0) / 30.0, (p.y - y0) / 22.0);
        (d.length_squared() < 1.0 && self.cavity_depth_mm(p) > -40.0).then_some((Tissue::Muscle, 50.0))
    }

    /// Vertebrae (bodies with discs, canal, arch and processes), periodic in z.
    fn spine(&self, p: DVec3) -> Option<(Tissue, f32)> {
        let semi_y = self.body.semi_axes(p.z).y;
        let body_c = DVec2::new(0.0, -0.62 * semi_y);
        let radius = if p.z < -180.0 { 24.0 } else { 19.0 };
        let phase = (p.z + 1000.0).rem_euclid(29.0);
        let q = DVec2::new(p.x, p.y) - body_c;
        let r = q.length();
        if r < radius {
            if phase < 5.0 {
                return Some((Tissue::Organ, 85.0));
            }
            let cortical = r > radius - 2.5 || !(7.0..=27.0).contains(&phase);
            return Some((
                Tissue::Bone,
                if cortical { 850.0 } else { 420.0 + (40.0 * value_noise(self.seed ^ 3, p, 3.0)) as f32 },
            ));
        }
        let canal_c = body_c - DVec2::new(0.0, radius + 10.0);
        let c = (DVec2::new(p.x, p.y) - canal_c).length();
        if c < 9.0 {
            return Some((Tissue::Organ, 15.0));
        }
        if phase < 7.0 {
            return None;
        }
        let arch = c < 15.0 && p.y < body_c.y - radius + 4.0;
        let spinous = p.x.abs() < 4.5 && p.y < canal_c.y - 12.0 && p.y > canal_c.y - 42.0 && phase < 22.0;
        let transverse = p.x.abs() > 12.0 && p.x.abs() < 42.0 && (p.y - canal_c.y - 4.0).abs() < 5.0 && phase < 18.0;
        (arch || spinous || transverse).then_some((Tissue::Bone, 700.0))
    }

    /// Twelve pairs of ribs descending from the spine around the thorax wall.
    fn rib(&self, p: DVec3) -> Option<(Tissue, f32)> {
        if p.z < -230.0 || p.z > 125.0 {
            return None;
        }
        let s = self.body.semi_axes(p.z) - DVec2::splat(self.body.subcutaneous_fat_mm + 14.0);
        // angle from the posterior midline: 0 behind the spine, π in front
        let phi = (p.x.abs() / s.x).atan2(-p.y / s.y);
        if !(0.28..=2.55).contains(&phi) {
            return None;
        }
        let on_ring = DVec2::new(s.x * phi.sin(), -s.y * phi.cos());
        let radial = (DVec2::new(p.x.abs(), p.y) - on_ring).length();
        if radial > 5.0 {
            return None;
        }
        let drop = 45.0 * (1.0 - phi.cos()) / 2.0;
        for k in 0..12 {
            let z_rib = 112.0 - 26.0 * k as f64 - drop;
            let d = DVec2::new(radial, p.z - z_rib).length();
            if d < 5.0 {
                return Some((Tissue::Bone, if d > 3.5 { 800.0 } else { 330.0 }));
            }
        }
        None
    }
}

fn paint_all(structures: &[Structure], p: DVec3, current: &mut (Tissue, f32), tex: &dyn Fn(f64, f64) -> f32) {
    for s in structures {
        if let Some((tissue, hu, core)) = s.paint(p, current.0) {
            let t = if core && s.texture_hu > 0.0 { tex(f64::from(s.texture_hu), 6.0) } else { 0.0 };
            *current = (tissue, hu + t);
        }
    }
}
