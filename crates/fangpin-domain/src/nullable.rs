//! `null` in the household JSON means "left out": a field with a default takes it.
//!
//! docs/household-json.md promises that every optional field may be left out or set to `null`.
//! `Option` fields do that by themselves; fields with a default value (booleans that default
//! to false, an empty list, zero fen, the default health) name this function as their
//! `deserialize_with` so that `null` gives the same value as leaving the field out.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default value.
pub(crate) fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}
