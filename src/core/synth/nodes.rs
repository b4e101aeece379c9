//! Lymph nodes placed in the fat of the classic nodal stations, and CADe-like candidates: every
//! node plus hard negatives (vessel cross-sections, bowel, fat pockets, tissue edges) and easy
//! ones.

use glam::{DMat3, DVec3};
use rand::RngExt;
use rand_pcg::Pcg64;

use super::anatomy::Phantom;
use super::organs::jitter_point;
use super::shapes::{Ellipsoid, Over, Shape, Structure, Tissue};
use crate::core::geometry::random_rotation;
use crate::core::study::Region;

/// A true node, in patient millimetres.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    pub center: DVec3,
    pub short_axis_mm: f64,
    pub long_axis_mm: f64,
    pub rotation: DMat3,
    pub hu: f32,
    pub fatty_hilum: bool,
}

impl NodeSpec {
    fn ellipsoid(&self) -> Ellipsoid {
        let semi = DVec3::new(self.short_axis_mm / 2.0, self.short_axis_mm * 0.55, self.long_axis_mm / 2.0);
        Ellipsoid { center: self.center, semi_axes_mm: semi, rotation: self.rotation }
    }

    pub fn structures(&self) -> Vec<Structure> {
        let mut out = vec![
            Structure::new(Shape::Ellipsoid(self.ellipsoid()), Tissue::Node, self.hu)
                .over(Over::SoftTissue)
                .textured(6.0),
        ];
        if self.fatty_hilum {
            let e = self.ellipsoid();
            let hilum = Ellipsoid {
                center: e.center + e.rotation * DVec3::new(e.semi_axes_mm.x * 0.5, 0.0, 0.0),
                semi_axes_mm: e.semi_axes_mm * 0.35,
                rotation: e.rotation,
            };
            out.push(Structure::new(Shape::Ellipsoid(hilum), Tissue::Fat, -70.0).over(Over::Only(Tissue::Node)));
        }
        out
    }
}

/// Nodal stations (centre and half-extent of the search box, patient mm).
fn stations(region: &Region) -> Vec<([f64; 3], [f64; 3])> {
    match region {
        Region::Abdominal => vec![
            ([-36.0, -36.0, -320.0], [10.0, 10.0, 60.0]), // left para-aortic
            ([6.0, -38.0, -310.0], [8.0, 8.0, 50.0]),     // aortocaval
            ([0.0, 25.0, -345.0], [45.0, 25.0, 60.0]),    // mesenteric
            ([50.0, -28.0, -420.0], [12.0, 10.0, 15.0]),  // right common iliac
            ([-55.0, -28.0, -420.0], [12.0, 10.0, 15.0]), // left common iliac
            ([15.0, 0.0, -205.0], [10.0, 10.0, 12.0]),    // portocaval
            ([-20.0, -10.0, -215.0], [15.0, 10.0, 15.0]), // coeliac
        ],
        _ => vec![
            ([20.0, 10.0, 40.0], [8.0, 10.0, 25.0]),   // 2R/4R right paratracheal
            ([-18.0, 2.0, 20.0], [6.0, 8.0, 15.0]),    // 4L left paratracheal
            ([-28.0, 5.0, 12.0], [8.0, 8.0, 8.0]),     // 5 aortopulmonary window
            ([-5.0, 45.0, 35.0], [15.0, 10.0, 15.0]),  // 6/3a prevascular
            ([0.0, -8.0, -28.0], [10.0, 8.0, 10.0]),   // 7 subcarinal
            ([42.0, 2.0, -20.0], [8.0, 10.0, 12.0]),   // 10R hilar
            ([-42.0, 0.0, -22.0], [8.0, 10.0, 12.0]),  // 10L hilar
            ([-5.0, -35.0, -80.0], [12.0, 8.0, 30.0]), // 8 paraoesophageal
        ],
    }
}

/// Places 7–10 (mediastinal) or 8–12 (abdominal) nodes in fat between `z_lo` and `z_hi`.
pub fn place_nodes(rng: &mut Pcg64, phantom: &Phantom, region: &Region, z_lo: f64, z_hi: f64) -> Vec<NodeSpec> {
    let wanted = match region {
        Region::Abdominal => rng.random_range(8..=12),
        _ => rng.random_range(7..=10),
    };
    let stations = stations(region);
    let mut nodes: Vec<NodeSpec> = Vec::new();
    for _ in 0..800 {
        if nodes.len() == wanted {
            break;
        }
        let (c, half) = stations[rng.random_range(0..stations.len())];
        let center = jitter_point(rng, DVec3::from_array(c), DVec3::from_array(half));
        let short = 5.0 + 20.0 * rng.random::<f64>().powf(1.6);
        let long = short * rng.random_range(1.1..1.6);
        if center.z - long / 2.0 < z_lo + 8.0 || center.z + long / 2.0 > z_hi - 8.0 {
            continue;
        }
        let rotation = random_rotation(rng);
        let node = NodeSpec {
            center,
            short_axis_mm: short,
            long_axis_mm: long,
            rotation,
            hu: rng.random_range(20.0..60.0),
            fatty_hilum: short > 9.0 && rng.random_bool(0.2),
        };
        let clear = nodes.iter().all(|n| n.center.distance(center) > (n.long_axis_mm + long) / 2.0 + 3.0);
        if clear && mostly_in_fat(phantom, &node) {
            nodes.push(node);
        }
    }
    nodes
}

/// The node's centre and at least 65 % of 14 points near its surface lie in fat.
fn mostly_in_fat(phantom: &Phantom, node: &NodeSpec) -> bool {
    if phantom.sample(node.center).0 != Tissue::Fat || phantom.cavity_depth_mm(node.center) < 5.0 {
        return false;
    }
    let e = node.ellipsoid();
    let mut dirs: Vec<DVec3> = vec![DVec3::X, -DVec3::X, DVec3::Y, -DVec3::Y, DVec3::Z, -DVec3::Z];
    for sx in [-1.0, 1.0] {
        for sy in [-1.0, 1.0] {
            for sz in [-1.0, 1.0] {
                dirs.push(DVec3::new(sx, sy, sz).normalize());
            }
        }
    }
    let fat = dirs
        .iter()
        .filter(|d| phantom.sample(e.center + e.rotation * (**d * e.semi_axes_mm * 0.9)).0 == Tissue::Fat)
        .count();
    fat * 100 >= dirs.len() * 65
}

/// The candidate points of one patient (patient mm), positives and negatives.
pub struct CandidatePoints {
    pub positives: Vec<DVec3>,
    pub negatives: Vec<DVec3>,
}

/// Bounds in which candidates may lie (patient mm, with a margin inside the volume).
pub struct Bounds {
    pub lo: DVec3,
    pub hi: DVec3,
}

impl Bounds {
    fn contains(&self, p: DVec3) -> bool {
        p.cmpge(self.lo).all() && p.cmple(self.hi).all()
    }
}

pub fn make_candidates(rng: &mut Pcg64, phantom: &Phantom, nodes: &[NodeSpec], bounds: &Bounds) -> CandidatePoints {
    let mut positives = Vec::new();
    for n in nodes {
        let copies = if n.short_axis_mm > 12.0 && rng.random_bool(0.4) { 2 } else { 1 };
        for c in 0..copies {
            let reach = if c == 0 { (0.35 * n.short_axis_mm / 2.0).min(2.0) } else { 0.5 * n.short_axis_mm / 2.0 };
            let dir = random_rotation(rng).x_axis;
            positives.push(n.center + dir * rng.random_range(0.0..=reach));
        }
    }
    let far_from_nodes = |p: DVec3| nodes.iter().all(|n| n.center.distance(p) > n.long_axis_mm / 2.0 + 2.0);
    let ok = |p: DVec3| bounds.contains(p) && phantom.body_depth_mm(p) > 3.0 && far_from_nodes(p);
    let mut negatives = Vec::new();
    let total_negatives = rng.random_range(27..=31);
    let vessel_points: Vec<DVec3> = phantom
        .vessels
        .iter()
        .flat_map(|v| v.axis_samples(4.0))
        .filter(|(p, r)| *r >= 3.0 && ok(*p))
        .map(|(p, _)| p)
        .collect();
    let bowel_points: Vec<DVec3> =
        phantom.bowel.iter().flat_map(|b| b.axis_samples(4.0)).map(|(p, _)| p).filter(|p| ok(*p)).collect();
    pick(rng, &vessel_points, 10, &mut negatives);
    pick(rng, &bowel_points, 5, &mut negatives);
    let random_point =
        |rng: &mut Pcg64| jitter_point(rng, (bounds.lo + bounds.hi) / 2.0, (bounds.hi - bounds.lo) / 2.0);
    let mut tries = 0;
    while negatives.len() < total_negatives && tries < 100_000 {
        tries += 1;
        let p = random_point(rng);
        if !ok(p) {
            continue;
        }
        let (tissue, _) = phantom.sample(p);
        let needed_fat = negatives.len() < 21;
        let needed_edges = negatives.len() < 27;
        let accept = if needed_fat {
            tissue == Tissue::Fat && phantom.cavity_depth_mm(p) > 5.0
        } else if needed_edges {
            let dir = random_rotation(rng).x_axis;
            let other = phantom.sample(p + dir * 3.0).0;
            let soft = |t: Tissue| !matches!(t, Tissue::Air | Tissue::Bone | Tissue::Airway | Tissue::Skin);
            other != tissue && soft(tissue) && soft(other)
        } else {
            matches!(tissue, Tissue::Muscle | Tissue::Lung | Tissue::Organ)
        };
        if accept {
            negatives.push(p);
        }
    }
    CandidatePoints { positives, negatives }
}

fn pick(rng: &mut Pcg64, from: &[DVec3], n: usize, into: &mut Vec<DVec3>) {
    for _ in 0..n.min(from.len()) {
        into.push(from[rng.random_range(0..from.len())]);
    }
}
