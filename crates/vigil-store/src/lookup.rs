//! Finding a person or group by the pseudonymous code a user typed.

use vigil_domain::model::{PartyRef, VictimRef};

use crate::{Result, Store};

impl Store {
    /// The person or group with this code (`HRD-2019-0113`, `GRP-2020-0004`), if any
    /// that the reader may see: a code from another compartment is an unknown code.
    pub async fn party_by_code(&self, code: &str) -> Result<Option<PartyRef>> {
        let code = code.trim().to_uppercase();
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT id, code, legal_name FROM persons WHERE code = $1 AND {}",
                    self.visible("persons.compartment_id")
                ),
                &[code.clone().into()],
            )
            .await?;
        if let Some(r) = rows.first() {
            return Ok(Some(PartyRef {
                victim: VictimRef::Person(r.int(0)),
                code: r.text(1),
                name: Some(self.unseal(crate::records::LEGAL_NAME, r.text(2))?)
                    .filter(|s| !s.is_empty()),
            }));
        }
        let rows = self
            .db
            .query(
                &format!(
                    "SELECT id, code, name FROM groups WHERE code = $1 AND {}",
                    self.visible("groups.compartment_id")
                ),
                &[code.into()],
            )
            .await?;
        Ok(rows.first().map(|r| PartyRef {
            victim: VictimRef::Group(r.int(0)),
            code: r.text(1),
            name: Some(r.text(2)),
        }))
    }
}
