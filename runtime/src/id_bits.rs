//! Ids as 64-bit integers, for callers on the far side of a foreign-function boundary
//! (the C, Go and Python bindings) that cannot hold the Rust id types. The bits are
//! opaque to the caller; they carry which tables the id came from (the low 29 bits of the
//! tables' tag), what it identifies (a principal, an action, a global object, or an object
//! of one category) and its index, so that decoding refuses an id of other tables, an id
//! of the wrong kind, and a forged index, instead of answering for something else.
//!
//! Layout, most significant first: 29 bits of tag, 3 bits of kind (0 to 3: an object of
//! the category of that index; 4 principal, 5 action, 6 global), 32 bits of index.

use crate::category::Category;
use crate::error::RequestError;
use crate::ids::TablesTag;
use crate::ids::{ActionId, GlobalId, ObjectId, PrincipalId};
use crate::parts::Parts;

const TAG_BITS: u32 = 29;
const KIND_PRINCIPAL: u64 = 4;
const KIND_ACTION: u64 = 5;
const KIND_GLOBAL: u64 = 6;

fn pack(tag: TablesTag, kind: u64, index: u32) -> u64 {
    (u64::from(tag.low_bits(TAG_BITS)) << 35) | (kind << 32) | u64::from(index)
}

/// What a kind number stands for, in words (for errors).
fn kind_word(kind: u64) -> &'static str {
    match kind {
        0..=3 => "an object id",
        KIND_PRINCIPAL => "a principal id",
        KIND_ACTION => "an action id",
        KIND_GLOBAL => "a global object id",
        _ => "not an id",
    }
}

impl PrincipalId {
    /// The id as opaque bits ([`crate::Tables::principal_from_bits`] reads them back).
    pub fn to_bits(self) -> u64 {
        pack(self.tag, KIND_PRINCIPAL, self.index)
    }
}

impl ActionId {
    /// The id as opaque bits ([`crate::Tables::action_from_bits`] reads them back).
    pub fn to_bits(self) -> u64 {
        pack(self.tag, KIND_ACTION, self.index)
    }
}

impl GlobalId {
    /// The id as opaque bits ([`crate::Tables::global_from_bits`] reads them back).
    pub fn to_bits(self) -> u64 {
        pack(self.tag, KIND_GLOBAL, self.index)
    }
}

impl ObjectId {
    /// The id as opaque bits, category included ([`crate::Tables::object_from_bits`]).
    pub fn to_bits(self) -> u64 {
        pack(self.tag, self.category.index() as u64, self.index)
    }
}

/// What bits say they are: an object of a category, or one of the other kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdBits {
    /// A principal id.
    Principal,
    /// An action id.
    Action,
    /// A global object id.
    Global,
    /// An object id of this category.
    Object(Category),
}

/// Decoding ids from bits, for [`crate::Tables`]'s `*_from_bits` methods.
impl Parts {
    /// Splits `bits` into kind and index after checking they come from these tables.
    #[inline]
    fn unpack(&self, bits: u64) -> Result<(u64, u32), RequestError> {
        if (bits >> 35) as u32 != self.tag.low_bits(TAG_BITS) {
            return Err(RequestError::stale_id());
        }
        Ok(((bits >> 32) & 0b111, bits as u32))
    }

    /// What `bits` identify, when they come from these tables.
    #[inline]
    pub(crate) fn bits_kind(&self, bits: u64) -> Result<IdBits, RequestError> {
        let (kind, _) = self.unpack(bits)?;
        kind_of(kind)
    }

    /// The index of `bits` of kind `want`, after checking they come from these tables,
    /// are of that kind and index one of `count` things. The checks are the whole cost of
    /// crossing a foreign-function boundary by ids, so they are inlined into each
    /// `*_from_bits` and build an error only when one fails.
    #[inline]
    fn decode_bits(&self, bits: u64, want: u64, count: usize) -> Result<u32, RequestError> {
        let (kind, index) = self.unpack(bits)?;
        if kind != want || index as usize >= count {
            return Err(decode_error(kind, want, index, count));
        }
        Ok(index)
    }

    /// A principal id from [`PrincipalId::to_bits`] of these tables.
    #[inline]
    pub(crate) fn principal_from_bits(&self, bits: u64) -> Result<PrincipalId, RequestError> {
        let index = self.decode_bits(bits, KIND_PRINCIPAL, self.names.principal_count())?;
        Ok(PrincipalId {
            index,
            tag: self.tag,
        })
    }

    /// An action id from [`ActionId::to_bits`] of these tables.
    #[inline]
    pub(crate) fn action_from_bits(&self, bits: u64) -> Result<ActionId, RequestError> {
        let index = self.decode_bits(bits, KIND_ACTION, self.names.action_count())?;
        Ok(ActionId {
            index,
            tag: self.tag,
        })
    }

    /// A global object id from [`GlobalId::to_bits`] of these tables.
    #[inline]
    pub(crate) fn global_from_bits(&self, bits: u64) -> Result<GlobalId, RequestError> {
        let index = self.decode_bits(bits, KIND_GLOBAL, self.names.global_count())?;
        Ok(GlobalId {
            index,
            tag: self.tag,
        })
    }

    /// An object id from [`ObjectId::to_bits`] of these tables.
    #[inline]
    pub(crate) fn object_from_bits(&self, bits: u64) -> Result<ObjectId, RequestError> {
        let (kind, index) = self.unpack(bits)?;
        let Some(category) = Category::ALL.get(kind as usize).copied() else {
            // Bits of no kind at all say so; an id of another kind says which it is.
            return Err(kind_of(kind).err().unwrap_or_else(|| {
                RequestError::invalid(format!(
                    "{} where an object id was expected",
                    kind_word(kind)
                ))
            }));
        };
        let count = self.names.object_count(category);
        if index as usize >= count {
            return Err(decode_error(kind, kind, index, count));
        }
        Ok(ObjectId {
            category,
            index,
            tag: self.tag,
        })
    }
}

/// The boundary's fast path, for [`crate::Tables::decide_object_bits`].
impl Parts {
    /// Decides a one-object request given as bits (the common request across a
    /// foreign-function boundary) without building a target or a response: `None` when
    /// any of the three does not decode, so that the caller takes the general path,
    /// which says why.
    #[inline]
    pub(crate) fn decide_object_bits(
        &self,
        principal: u64,
        action: u64,
        object: u64,
    ) -> Option<crate::response::Reason> {
        let principal = self.principal_from_bits(principal).ok()?;
        let action = self.action_from_bits(action).ok()?;
        let object = self.object_from_bits(object).ok()?;
        let target = crate::request::IdTarget::Objects(crate::request::ObjectIds::one(object));
        self.decisions
            .check(principal.index, action.index, &target, self.tag)
            .ok()
    }
}

/// What a kind number of bits from these tables identifies.
fn kind_of(kind: u64) -> Result<IdBits, RequestError> {
    match kind {
        KIND_PRINCIPAL => Ok(IdBits::Principal),
        KIND_ACTION => Ok(IdBits::Action),
        KIND_GLOBAL => Ok(IdBits::Global),
        _ => Category::ALL
            .get(kind as usize)
            .map(|c| IdBits::Object(*c))
            .ok_or_else(|| RequestError::invalid("bits that are not an id")),
    }
}

/// Why bits of kind `kind` and index `index` are not one of `count` things of kind
/// `want`: built only when decoding fails, off the check path.
#[cold]
fn decode_error(kind: u64, want: u64, index: u32, count: usize) -> RequestError {
    if kind != want {
        return RequestError::invalid(format!(
            "{} where {} was expected",
            kind_word(kind),
            kind_word(want)
        ));
    }
    RequestError::invalid(format!(
        "{} out of range (index {index} of {count})",
        kind_word(want)
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::tables::Tables;

    fn tables() -> Tables {
        Tables::load("../fixtures/tables/format-v3.rampart").unwrap()
    }

    #[test]
    fn ids_survive_the_round_trip() {
        let t = tables();
        let john = t.principal("john@doe.com").unwrap();
        let read = t.action("read").unwrap();
        let pod = t.object(Category::Config, "c-mc-pod").unwrap();
        let catalog = t.global("catalog").unwrap();
        assert_eq!(t.principal_from_bits(john.to_bits()).unwrap(), john);
        assert_eq!(t.action_from_bits(read.to_bits()).unwrap(), read);
        assert_eq!(t.object_from_bits(pod.to_bits()).unwrap(), pod);
        assert_eq!(t.global_from_bits(catalog.to_bits()).unwrap(), catalog);
        assert_eq!(
            t.bits_kind(pod.to_bits()).unwrap(),
            IdBits::Object(Category::Config)
        );
    }

    #[test]
    fn bits_of_other_tables_another_kind_or_out_of_range_are_refused() {
        let (a, b) = (tables(), tables());
        let john = a.principal("john@doe.com").unwrap();
        let read = a.action("read").unwrap();
        let stale = b.principal_from_bits(john.to_bits()).unwrap_err();
        assert_eq!(stale.code(), "invalid_request");
        assert!(stale.to_string().contains("other tables"), "{stale}");
        let kind = a.action_from_bits(john.to_bits()).unwrap_err();
        assert!(
            kind.to_string()
                .contains("a principal id where an action id was expected"),
            "{kind}"
        );
        let forged = (read.to_bits() & !0xffff_ffff) | 0xffff_fff0;
        let range = a.action_from_bits(forged).unwrap_err();
        assert!(range.to_string().contains("out of range"), "{range}");
        assert!(a.object_from_bits(read.to_bits()).is_err());
        assert!(a.bits_kind(u64::MAX).is_err());
    }

    #[test]
    fn the_fast_path_by_bits_decides_as_check_ids_and_never_answers_for_bad_bits() {
        let (a, b) = (tables(), tables());
        let read = a.action("read").unwrap();
        for subject in ["john@doe.com", "admin@example.com"] {
            let p = a.principal(subject).unwrap();
            for key in ["c-mc-pod", "c-bucket", "c-mc-deploy"] {
                let Ok(o) = a.object(Category::Config, key) else {
                    continue;
                };
                let by_ids = a.check_ids(p, read, &crate::IdTarget::from(o)).unwrap();
                assert_eq!(
                    a.decide_object_bits(p.to_bits(), read.to_bits(), o.to_bits()),
                    Some(by_ids.reason())
                );
                // Bits of other tables, swapped kinds, a forged index: no answer.
                assert_eq!(
                    b.decide_object_bits(p.to_bits(), read.to_bits(), o.to_bits()),
                    None
                );
                assert_eq!(
                    a.decide_object_bits(read.to_bits(), p.to_bits(), o.to_bits()),
                    None
                );
                assert_eq!(
                    a.decide_object_bits(p.to_bits(), read.to_bits(), p.to_bits()),
                    None
                );
                let forged = (o.to_bits() & !0xffff_ffff) | 0xffff_fff0;
                assert_eq!(
                    a.decide_object_bits(p.to_bits(), read.to_bits(), forged),
                    None
                );
            }
        }
    }
}
