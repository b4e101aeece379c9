//! The organs and vessels of the synthetic trunk, in patient millimetres (RAS+, carina at
//! z = 0), jittered per patient. Painting order is the order of the returned lists.

use glam::{DMat3, DVec3};
use rand::{Rng, RngExt};
use rand_pcg::Pcg64;

use super::shapes::{Ellipsoid, Over, Shape, Structure, Tissue, Tube};

/// A vessel's axis, kept for placing hard-negative candidates on vessel cross-sections.
pub type VesselAxis = Tube;

/// Everything painted after the body wall, in order: abdominal organs (before the lungs, so
/// the lung bases cut the liver and spleen domes), then what is painted after the lungs.
pub struct Organs {
    pub before_lungs: Vec<Structure>,
    pub after_lungs: Vec<Structure>,
    pub vessels: Vec<VesselAxis>,
    pub bowel: Vec<Tube>,
}

fn j(rng: &mut Pcg64, v: [f64; 3], mm: f64) -> DVec3 {
    DVec3::new(v[0] + rng.random_range(-mm..=mm), v[1] + rng.random_range(-mm..=mm), v[2] + rng.random_range(-mm..=mm))
}

fn path(rng: &mut Pcg64, pts: &[[f64; 3]], mm: f64) -> Vec<DVec3> {
    pts.iter().map(|p| j(rng, *p, mm)).collect()
}

fn rot_z(deg: f64) -> DMat3 {
    DMat3::from_rotation_z(deg.to_radians())
}

fn ell(center: DVec3, semi: [f64; 3], rotation: DMat3) -> Shape {
    Shape::Ellipsoid(Ellipsoid { center, semi_axes_mm: DVec3::from_array(semi), rotation })
}

/// Builds the organs for one patient. `contrast_hu` is the arterial enhancement of this scan.
pub fn build(rng: &mut Pcg64, contrast_hu: f32) -> Organs {
    let mut o = Organs { before_lungs: Vec::new(), after_lungs: Vec::new(), vessels: Vec::new(), bowel: Vec::new() };
    abdomen(rng, &mut o);
    mediastinum(rng, contrast_hu, &mut o);
    abdominal_vessels(rng, contrast_hu, &mut o);
    o
}

fn abdomen(rng: &mut Pcg64, o: &mut Organs) {
    let liver_hu = rng.random_range(95.0..120.0);
    let b = &mut o.before_lungs;
    b.push(
        Structure::new(
            ell(j(rng, [58.0, 5.0, -185.0], 5.0), [82.0, 85.0, 68.0], rot_z(-10.0)),
            Tissue::Organ,
            liver_hu,
        )
        .textured(8.0),
    );
    b.push(
        Structure::new(ell(j(rng, [72.0, 48.0, -222.0], 4.0), [14.0, 14.0, 28.0], rot_z(20.0)), Tissue::Organ, 12.0)
            .over(Over::Only(Tissue::Organ)),
    );
    b.push(
        Structure::new(
            ell(j(rng, [-82.0, -32.0, -182.0], 5.0), [34.0, 52.0, 55.0], rot_z(30.0)),
            Tissue::Organ,
            rng.random_range(105.0..125.0),
        )
        .textured(6.0),
    );
    let stomach = ell(j(rng, [-42.0, 32.0, -178.0], 5.0), [48.0, 38.0, 48.0], rot_z(-25.0));
    b.push(Structure::new(stomach, Tissue::Bowel, 28.0).with_wall(4.0, Tissue::Bowel, 62.0).textured(5.0));
    b.push(
        Structure::new(
            ell(j(rng, [-38.0, 58.0, -168.0], 3.0), [30.0, 12.0, 26.0], rot_z(-25.0)),
            Tissue::Bowel,
            -990.0,
        )
        .over(Over::Only(Tissue::Bowel)),
    );
    for side in [1.0, -1.0] {
        let c = j(rng, [70.0 * side, -50.0, -252.0 + 8.0 * side], 4.0);
        b.push(Structure::new(ell(c, [26.0, 21.0, 55.0], rot_z(20.0 * side)), Tissue::Organ, 115.0).with_wall(
            7.0,
            Tissue::Organ,
            195.0,
        ));
        let sinus = c + DVec3::new(-14.0 * side, 4.0, 0.0);
        b.push(
            Structure::new(ell(sinus, [8.0, 8.0, 24.0], DMat3::IDENTITY), Tissue::Fat, -80.0)
                .over(Over::Only(Tissue::Organ)),
        );
    }
    let pancreas = Tube::new(
        path(rng, &[[-72.0, -18.0, -212.0], [-30.0, 2.0, -222.0], [15.0, 6.0, -232.0], [32.0, 0.0, -242.0]], 4.0),
        vec![9.0, 11.0, 12.0, 12.0],
    );
    b.push(Structure::new(Shape::Tube(pancreas), Tissue::Organ, rng.random_range(85.0..105.0)).textured(8.0));
    for side in [1.0, -1.0] {
        let psoas = Tube::new(
            path(rng, &[[30.0 * side, -62.0, -250.0], [44.0 * side, -56.0, -350.0], [58.0 * side, -46.0, -450.0]], 3.0),
            vec![7.0, 17.0, 24.0],
        );
        b.push(Structure::new(Shape::Tube(psoas), Tissue::Muscle, 52.0).textured(6.0));
        let ilium = ell(j(rng, [96.0 * side, -42.0, -448.0], 4.0), [24.0, 46.0, 58.0], rot_z(-25.0 * side));
        b.push(Structure::new(ilium, Tissue::Bone, 330.0).with_wall(3.5, Tissue::Bone, 900.0).textured(40.0));
    }
    colon(rng, b, &mut o.bowel);
    for _ in 0..30 {
        let mut pts = Vec::new();
        let mut p = j(rng, [0.0, 28.0, -345.0], 1.0)
            + DVec3::new(rng.random_range(-75.0..75.0), rng.random_range(-25.0..50.0), rng.random_range(-90.0..90.0));
        for _ in 0..6 {
            pts.push(p);
            p +=
                DVec3::new(rng.random_range(-28.0..28.0), rng.random_range(-14.0..14.0), rng.random_range(-22.0..22.0));
        }
        let loop_tube = Tube::uniform(pts, rng.random_range(9.0..14.0));
        let content = match rng.random_range(0..20) {
            0..12 => 18.0,
            12..17 => -960.0,
            _ => 380.0,
        };
        o.bowel.push(loop_tube.clone());
        b.push(
            Structure::new(Shape::Tube(loop_tube), Tissue::Bowel, content)
                .with_wall(2.5, Tissue::Bowel, 58.0)
                .over(Over::Only(Tissue::Fat))
                .textured(6.0),
        );
    }
}

fn colon(rng: &mut Pcg64, b: &mut Vec<Structure>, bowel: &mut Vec<Tube>) {
    let frame = Tube::uniform(
        path(
            rng,
            &[
                [78.0, 10.0, -430.0],
                [80.0, 15.0, -300.0],
                [72.0, 40.0, -262.0],
                [0.0, 62.0, -272.0],
                [-70.0, 40.0, -245.0],
                [-86.0, 0.0, -290.0],
                [-80.0, -5.0, -420.0],
            ],
            5.0,
        ),
        rng.random_range(18.0..23.0),
    );
    bowel.push(frame.clone());
    b.push(
        Structure::new(Shape::Tube(frame), Tissue::Bowel, -320.0)
            .with_wall(2.5, Tissue::Bowel, 55.0)
            .over(Over::Only(Tissue::Fat))
            .textured(420.0),
    );
}

fn mediastinum(rng: &mut Pcg64, contrast: f32, o: &mut Organs) {
    let a = &mut o.after_lungs;
    let heart_c = j(rng, [-22.0, 50.0, -100.0], 6.0);
    let heart_rot = rot_z(35.0 + rng.random_range(-8.0..8.0)) * DMat3::from_rotation_x(0.35);
    a.push(Structure::new(ell(heart_c, [66.0, 56.0, 60.0], heart_rot), Tissue::Fat, -95.0).textured(8.0));
    a.push(
        Structure::new(ell(heart_c, [58.0, 48.0, 52.0], heart_rot), Tissue::Heart, contrast - 20.0)
            .with_wall(9.0, Tissue::Heart, 52.0)
            .textured(10.0),
    );
    let trachea = Tube::uniform(path(rng, &[[0.0, 12.0, 140.0], [0.0, 8.0, 0.0]], 2.0), 9.0);
    a.push(Structure::new(Shape::Tube(trachea), Tissue::Airway, -1000.0).with_wall(2.0, Tissue::Muscle, 45.0));
    for side in [1.0, -1.0] {
        let bronchus = Tube::new(
            path(rng, &[[0.0, 8.0, 2.0], [34.0 * side, 2.0, -20.0], [54.0 * side, 0.0, -34.0]], 2.0),
            vec![6.5, 6.0, 4.0],
        );
        a.push(Structure::new(Shape::Tube(bronchus), Tissue::Airway, -1000.0).with_wall(1.8, Tissue::Muscle, 45.0));
    }
    let esophagus =
        Tube::uniform(path(rng, &[[-6.0, -22.0, 140.0], [-10.0, -30.0, -60.0], [-24.0, -8.0, -170.0]], 3.0), 8.0);
    o.bowel.push(esophagus.clone());
    a.push(Structure::new(Shape::Tube(esophagus), Tissue::Bowel, 22.0).with_wall(4.0, Tissue::Muscle, 45.0));
    let ascending = Tube::new(
        path(rng, &[[8.0, 30.0, -72.0], [11.0, 31.0, -20.0], [8.0, 25.0, 30.0]], 3.0),
        vec![16.0, 16.0, 14.0],
    );
    let arch = Tube::uniform(
        path(rng, &[[8.0, 25.0, 30.0], [0.0, 12.0, 48.0], [-18.0, -10.0, 46.0], [-25.0, -30.0, 30.0]], 2.0),
        13.0,
    );
    let descending = Tube::new(
        path(rng, &[[-25.0, -30.0, 30.0], [-24.0, -38.0, -60.0], [-16.0, -44.0, -150.0]], 2.0),
        vec![13.0, 12.0, 11.5],
    );
    let pulmonary =
        Tube::uniform(path(rng, &[[-10.0, 48.0, -62.0], [-12.0, 40.0, -22.0], [-5.0, 25.0, -6.0]], 2.0), 13.0);
    let lpa = Tube::new(
        path(rng, &[[-5.0, 25.0, -6.0], [-40.0, 6.0, -12.0], [-58.0, 0.0, -20.0]], 2.0),
        vec![10.0, 9.0, 6.0],
    );
    let rpa =
        Tube::new(path(rng, &[[-5.0, 25.0, -6.0], [34.0, 12.0, -16.0], [56.0, 4.0, -24.0]], 2.0), vec![10.0, 9.0, 6.0]);
    let svc = Tube::uniform(path(rng, &[[28.0, 18.0, 130.0], [26.0, 20.0, 0.0], [22.0, 26.0, -48.0]], 2.0), 10.0);
    let azygos = Tube::uniform(path(rng, &[[12.0, -58.0, 70.0], [8.0, -62.0, -150.0]], 2.0), 4.0);
    let branches = [
        Tube::uniform(path(rng, &[[2.0, 14.0, 46.0], [12.0, 16.0, 140.0]], 2.0), 6.5),
        Tube::uniform(path(rng, &[[-10.0, 4.0, 48.0], [-16.0, 10.0, 140.0]], 2.0), 5.0),
        Tube::uniform(path(rng, &[[-19.0, -8.0, 46.0], [-30.0, 0.0, 140.0]], 2.0), 5.0),
    ];
    let ivc_thorax = Tube::uniform(path(rng, &[[20.0, 20.0, -150.0], [22.0, 28.0, -110.0]], 2.0), 12.0);
    for (tube, hu) in [
        (ascending, contrast),
        (arch, contrast),
        (descending, contrast),
        (pulmonary, contrast - 30.0),
        (lpa, contrast - 30.0),
        (rpa, contrast - 30.0),
        (svc, contrast + 40.0),
        (azygos, 140.0),
        (ivc_thorax, 150.0),
    ]
    .into_iter()
    .chain(branches.into_iter().map(|t| (t, contrast)))
    {
        o.vessels.push(tube.clone());
        a.push(Structure::new(Shape::Tube(tube), Tissue::Vessel, hu));
    }
    let sternum = Tube::uniform(path(rng, &[[0.0, 98.0, 95.0], [0.0, 100.0, -95.0]], 2.0), 8.0);
    a.push(
        Structure::new(Shape::Tube(sternum), Tissue::Bone, 320.0).with_wall(2.0, Tissue::Bone, 750.0).textured(40.0),
    );
}

fn abdominal_vessels(rng: &mut Pcg64, contrast: f32, o: &mut Organs) {
    let aorta = Tube::new(
        path(rng, &[[-16.0, -44.0, -150.0], [-12.0, -44.0, -260.0], [-8.0, -46.0, -385.0]], 2.0),
        vec![11.5, 10.0, 9.0],
    );
    let iliac_l = Tube::uniform(path(rng, &[[-8.0, -46.0, -385.0], [-45.0, -38.0, -450.0]], 2.0), 6.5);
    let iliac_r = Tube::uniform(path(rng, &[[-8.0, -46.0, -385.0], [35.0, -38.0, -450.0]], 2.0), 6.5);
    let ivc =
        Tube::uniform(path(rng, &[[20.0, 20.0, -150.0], [22.0, -32.0, -250.0], [15.0, -42.0, -390.0]], 2.0), 11.0);
    let portal = Tube::uniform(path(rng, &[[8.0, 4.0, -215.0], [45.0, 10.0, -192.0]], 3.0), 8.0);
    let sma = Tube::uniform(path(rng, &[[-6.0, -30.0, -228.0], [0.0, 12.0, -330.0]], 3.0), 4.5);
    let renal = [
        Tube::uniform(path(rng, &[[-12.0, -44.0, -242.0], [55.0, -45.0, -248.0]], 2.0), 3.2),
        Tube::uniform(path(rng, &[[-12.0, -44.0, -238.0], [-58.0, -45.0, -240.0]], 2.0), 3.2),
    ];
    for (tube, hu) in
        [(aorta, contrast), (iliac_l, contrast), (iliac_r, contrast), (ivc, 160.0), (portal, 190.0), (sma, contrast)]
            .into_iter()
            .chain(renal.into_iter().map(|t| (t, contrast)))
    {
        o.vessels.push(tube.clone());
        o.after_lungs.push(Structure::new(Shape::Tube(tube), Tissue::Vessel, hu));
    }
    for k in 0..3 {
        let angle = (k as f64 - 1.0) * 0.6;
        let end = DVec3::new(58.0 + 55.0 * angle.sin(), 5.0 + 50.0 * angle.cos() - 30.0, -165.0);
        let hepatic = Tube::new(vec![j(rng, [25.0, 15.0, -150.0], 2.0), end], vec![6.0, 2.5]);
        o.after_lungs.push(Structure::new(Shape::Tube(hepatic), Tissue::Vessel, 175.0).over(Over::Only(Tissue::Organ)));
    }
}

/// Branching pulmonary vessels from a hilum into one lung, painted only over lung.
pub fn lung_vessels(rng: &mut Pcg64, hilum: DVec3, side: f64, contrast: f32) -> Vec<Structure> {
    let mut out = Vec::new();
    let mut frontier = Vec::new();
    for dir in [
        DVec3::new(0.3 * side, 0.1, 1.0),
        DVec3::new(0.5 * side, 0.6, -0.4),
        DVec3::new(0.4 * side, -0.5, -1.0),
        DVec3::new(1.0 * side, 0.0, -0.2),
    ] {
        frontier.push((hilum, dir.normalize(), 5.0, 55.0));
    }
    for _level in 0..3 {
        let mut next = Vec::new();
        for (start, dir, radius, length) in frontier {
            let wobble =
                DVec3::new(rng.random_range(-0.3..0.3), rng.random_range(-0.3..0.3), rng.random_range(-0.3..0.3));
            let d: DVec3 = (dir + wobble).normalize();
            let end = start + d * length;
            out.push(
                Structure::new(
                    Shape::Tube(Tube::new(vec![start, end], vec![radius, radius * 0.8])),
                    Tissue::Vessel,
                    contrast * 0.6,
                )
                .over(Over::Only(Tissue::Lung)),
            );
            for _ in 0..rng.random_range(2..4) {
                let spread =
                    DVec3::new(rng.random_range(-0.7..0.7), rng.random_range(-0.7..0.7), rng.random_range(-0.7..0.7));
                next.push((end, (d + spread).normalize(), radius * 0.62, length * 0.68));
            }
        }
        frontier = next;
    }
    out
}

/// Uniform random point in a box around `center`.
pub fn jitter_point<R: Rng>(rng: &mut R, center: DVec3, half: DVec3) -> DVec3 {
    center
        + DVec3::new(
            rng.random_range(-half.x..=half.x),
            rng.random_range(-half.y..=half.y),
            rng.random_range(-half.z..=half.z),
        )
}
