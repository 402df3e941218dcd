//! Where a record created through the API goes: `?compartment=ID` on a create, a
//! compartment the caller is a full member of (the store refuses any other with 403);
//! without it, the caller's first compartment.

use serde::Deserialize;
use vigil_domain::model::Id;
use vigil_store::Access;

#[derive(Debug, Default, Deserialize)]
pub(super) struct Target {
    #[serde(default)]
    compartment: Option<Id>,
}

impl Target {
    /// The caller's view, writing into the chosen compartment if any.
    pub(super) fn writer(&self, access: &Access) -> Access {
        match self.compartment {
            Some(id) => access.clone().in_compartment(id),
            None => access.clone(),
        }
    }
}
