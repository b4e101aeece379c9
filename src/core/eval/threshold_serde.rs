//! Serde for curve thresholds: JSON has no infinity, so the `+inf` threshold of a curve's
//! starting point is written as `null` and read back as `+inf`.

use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(threshold: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if threshold.is_finite() { serializer.serialize_some(threshold) } else { serializer.serialize_none() }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::INFINITY))
}
