//! Command-line parsing of the core's named choices (models, planes, regimes, ...): clap lists
//! the options in `--help` and refuses others, the core's `Choice` names them.

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::core::choice::Choice;

/// A value parser for one of the options of `T`.
pub fn choice<T: Choice + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::OPTIONS.iter().map(|o| o.name())).try_map(|name| T::parse_name(&name))
}
