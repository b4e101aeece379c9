//! Named choices: the closed sets of options (model, plane, interpolation, ...) that run
//! configs, the command line and the workbench spell the same way, without tying the core to a
//! command-line parser. `named_choice!` gives an enum its names, `Display` and `FromStr`.

/// A closed set of named options.
pub trait Choice: Copy + Eq + 'static {
    /// What the set is called in messages ("model", "plane").
    const WHAT: &'static str;
    /// Every option, in the order menus and help texts list them.
    const OPTIONS: &'static [Self];

    /// The option's name in configs and on the command line.
    fn name(self) -> &'static str;

    /// The option called `name`.
    fn parse_name(name: &str) -> Result<Self, UnknownChoice> {
        Self::OPTIONS.iter().copied().find(|o| o.name() == name).ok_or_else(|| UnknownChoice {
            what: Self::WHAT,
            given: name.to_string(),
            expected: Self::OPTIONS.iter().map(|o| o.name()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// A name that is none of a choice's options.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' (expected one of: {expected})")]
pub struct UnknownChoice {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

/// Implements [`Choice`], `Display`, `FromStr` and inherent `ALL` and `name` for an enum from
/// its variants' names.
macro_rules! named_choice {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every option, in the order menus and help texts list them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The option's name in configs and on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl $crate::core::choice::Choice for $ty {
            const WHAT: &'static str = $what;
            const OPTIONS: &'static [Self] = $ty::ALL;

            fn name(self) -> &'static str {
                $ty::name(self)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::core::choice::Choice::name(*self))
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::core::choice::UnknownChoice;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as $crate::core::choice::Choice>::parse_name(s)
            }
        }
    };
}

pub(crate) use named_choice;

#[cfg(test)]
mod tests {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Fruit {
        Apple,
        BloodOrange,
    }

    named_choice!(Fruit, "fruit", { Apple => "apple", BloodOrange => "blood-orange" });

    #[test]
    fn names_round_trip_and_unknown_names_list_the_options() {
        assert_eq!("blood-orange".parse::<Fruit>(), Ok(Fruit::BloodOrange));
        assert_eq!(Fruit::Apple.to_string(), "apple");
        let err = "pear".parse::<Fruit>().unwrap_err();
        assert_eq!(err.to_string(), "unknown fruit 'pear' (expected one of: apple, blood-orange)");
    }
}
