//! The authorising layer. Web pages and API routes reach records only through an
//! [`Access`], which carries the signed-in [`Actor`]: every method checks the actor's
//! permission before touching data and removes sensitive fields the actor may not
//! see. A handler cannot forget a check because it has no other way in.
//!
//! Compartments are enforced one level down: the store inside an `Access` is scoped to
//! the actor, so every query it runs carries "in a compartment this user is a full
//! member of" (see `compartments.rs`). Records elsewhere are simply not found.

use vigil_domain::model::*;
use vigil_domain::search::{IncidentFilter, Page, PersonFilter};
use vigil_domain::validate::Rules;
use vigil_domain::vocab::{Term, VocabKind, Vocabularies};
use vigil_domain::{Permission, Role};

use crate::audit::{query_digest, Action, AuditEntry, AuditFilter, AuditRecord, AuditReport};
use crate::auth::{ApiToken, NewUser, User};
use crate::compartments::{Compartment, Level, Member};
use crate::records::Upsert;
use crate::{Result, Store, StoreError};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Id,
    pub username: String,
    pub role: Role,
}

impl From<&User> for Actor {
    fn from(u: &User) -> Self {
        Actor {
            user_id: u.id,
            username: u.username.clone(),
            role: u.role,
        }
    }
}

/// The store as seen by one actor.
#[derive(Clone, Debug)]
pub struct Access {
    store: Store,
    actor: Actor,
}

/// Largest export in one request.
pub const EXPORT_LIMIT: i64 = 100_000;

impl Access {
    pub fn new(store: Store, actor: Actor) -> Self {
        Self {
            store: store.scoped(actor.user_id),
            actor,
        }
    }

    /// This view, creating new records in `compartment` (which the actor must be a
    /// full member of: checked in the write's transaction). Without it, new records
    /// go to the actor's first compartment.
    pub fn in_compartment(mut self, compartment: Id) -> Self {
        self.store = self.store.writing_to(compartment);
        self
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The store behind this view, for the account operations in `auth.rs`.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn can(&self, p: Permission) -> bool {
        self.actor.role.can(p)
    }

    pub fn sees_sensitive(&self) -> bool {
        self.actor.role.sees_sensitive()
    }

    fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            tracing::debug!(user = self.actor.user_id, permission = ?p, "permission denied");
            Err(StoreError::Forbidden)
        }
    }

    fn uid(&self) -> Option<Id> {
        Some(self.actor.user_id)
    }

    /// An audit entry by this actor.
    fn entry(&self, action: Action, entity: &str) -> AuditEntry {
        AuditEntry::new(action, entity).by(&self.actor)
    }

    /// Record a read of a sensitive record, if this actor sees its sensitive fields.
    /// Fails (and so fails the read) if the entry cannot be written.
    async fn audit_read(&self, entity: &str, id: Id) -> Result<()> {
        if self.sees_sensitive() {
            self.store
                .audit(&self.entry(Action::Read, entity).id(id))
                .await?;
        }
        Ok(())
    }

    /// The validation rules for this actor, today.
    pub async fn rules_context(&self) -> Result<(Vocabularies, chrono::NaiveDate)> {
        Ok((
            self.store.vocabularies().await?,
            self.store.clock().now().date_naive(),
        ))
    }

    fn rules<'a>(&self, vocab: &'a Vocabularies, today: chrono::NaiveDate) -> Rules<'a> {
        Rules {
            vocab,
            today,
            may_override_verification: self.can(Permission::OverrideVerification),
        }
    }

    // ---------------------------------------------------------------- incidents

    pub async fn incidents(&self, f: &IncidentFilter) -> Result<Page<IncidentSummary>> {
        self.require(Permission::Read)?;
        let page = self.store.incidents(f, self.sees_sensitive()).await?;
        if !f.q.trim().is_empty() {
            let ids: Vec<Id> = page.items.iter().map(|i| i.id).collect();
            let e = search_entry(self.entry(Action::Search, "incident"), &f.q, f, page.total);
            self.store.audit(&e.with("ids", ids)).await?;
        }
        Ok(page)
    }

    pub async fn incident(&self, id: Id) -> Result<Incident> {
        self.require(Permission::Read)?;
        let mut i = self.store.incident(id).await?;
        self.audit_read("incident", id).await?;
        if !self.sees_sensitive() {
            i.redact();
        }
        Ok(i)
    }

    pub async fn create_incident(&self, input: &IncidentInput) -> Result<Id> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Create, "incident");
        self.store
            .create_incident(self.uid(), &valid, Some(audit))
            .await
    }

    pub async fn update_incident(
        &self,
        id: Id,
        expected_version: i64,
        input: &IncidentInput,
    ) -> Result<()> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Update, "incident");
        self.store
            .update_incident(self.uid(), id, expected_version, &valid, Some(audit))
            .await
    }

    /// Incidents in full for export (CSV, JSON), redacted for this actor.
    pub async fn export_incidents(&self, f: &IncidentFilter) -> Result<Vec<Incident>> {
        self.require(Permission::Export)?;
        let mut list = self
            .store
            .incidents_full(f, self.sees_sensitive(), EXPORT_LIMIT)
            .await?;
        let mut e = self
            .entry(Action::Export, "incident")
            .with("count", list.len())
            .with("filters", filter_keys(f))
            .with("sensitive", self.sees_sensitive());
        if !f.q.trim().is_empty() {
            e = e.with("q_sha256", query_digest(&f.q));
        }
        self.store.audit(&e).await?;
        if !self.sees_sensitive() {
            list.iter_mut().for_each(Incident::redact);
        }
        Ok(list)
    }

    pub async fn history(&self, entity: &str, id: Id) -> Result<Vec<Version>> {
        Ok(self.history_labelled(entity, id).await?.1)
    }

    /// A record's versions with what names it on its history page (an incident's title,
    /// a person's code, a group's name) — read once, and no sensitive field.
    pub async fn history_labelled(&self, entity: &str, id: Id) -> Result<(String, Vec<Version>)> {
        self.require(Permission::Read)?;
        // The record must exist: no history for ids that were never used.
        let label = match entity {
            "incident" => self.store.incident_title(id).await?,
            "person" => self.store.person(id).await?.code,
            "group" => self.store.group(id).await?.name,
            _ => return Err(StoreError::NotFound),
        };
        Ok((label, self.store.versions(entity, id).await?))
    }

    /// Resolve a typed code to a person or group (for forms), redacted for this actor.
    pub async fn party_by_code(&self, code: &str) -> Result<Option<PartyRef>> {
        self.require(Permission::Read)?;
        let mut p = self.store.party_by_code(code).await?;
        // A person's legal name comes back with the code: that is a sensitive read.
        if let Some(PartyRef {
            victim: VictimRef::Person(id),
            ..
        }) = &p
        {
            self.audit_read("person", *id).await?;
        }
        if !self.sees_sensitive() {
            if let Some(r) = p.as_mut() {
                r.redact();
            }
        }
        Ok(p)
    }

    // ---------------------------------------------------------------- persons

    pub async fn persons(&self, f: &PersonFilter) -> Result<Page<Person>> {
        self.require(Permission::Read)?;
        let mut page = self.store.persons(f, self.sees_sensitive()).await?;
        let searched = !f.q.trim().is_empty();
        // Every listed person's legal name is shown to readers of sensitive fields.
        if searched || (self.sees_sensitive() && !page.items.is_empty()) {
            let ids: Vec<Id> = page.items.iter().map(|p| p.id).collect();
            let e = if searched {
                search_entry(self.entry(Action::Search, "person"), &f.q, f, page.total)
            } else {
                self.entry(Action::List, "person")
                    .with("filters", filter_keys(f))
                    .with("total", page.total)
            };
            self.store
                .audit(&e.with("page", page.page).with("ids", ids))
                .await?;
        }
        if !self.sees_sensitive() {
            page.items.iter_mut().for_each(Person::redact);
        }
        Ok(page)
    }

    pub async fn person(&self, id: Id) -> Result<Person> {
        self.require(Permission::Read)?;
        let mut p = self.store.person(id).await?;
        self.audit_read("person", id).await?;
        if !self.sees_sensitive() {
            p.redact();
        }
        Ok(p)
    }

    pub async fn create_person(&self, input: &PersonInput) -> Result<Person> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Create, "person");
        self.store
            .create_person(self.uid(), &valid, Some(audit))
            .await
    }

    pub async fn update_person(
        &self,
        id: Id,
        expected_version: i64,
        input: &PersonInput,
    ) -> Result<Person> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Update, "person");
        self.store
            .update_person(self.uid(), id, expected_version, &valid, Some(audit))
            .await
    }

    pub async fn violations_against(&self, victim: VictimRef) -> Result<Vec<VictimViolation>> {
        self.require(Permission::Read)?;
        // The victim must be visible too: no list for an id from another compartment.
        match victim {
            VictimRef::Person(id) => self.store.person(id).await.map(|_| ())?,
            VictimRef::Group(id) => self.store.group(id).await.map(|_| ())?,
        }
        self.store.violations_against(victim).await
    }

    // ---------------------------------------------------------------- groups

    pub async fn groups(&self, q: &str, page: u32) -> Result<Page<Group>> {
        self.require(Permission::Read)?;
        self.store.groups(q, page).await
    }

    pub async fn group(&self, id: Id) -> Result<Group> {
        self.require(Permission::Read)?;
        self.store.group(id).await
    }

    pub async fn create_group(&self, input: &GroupInput) -> Result<Group> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Create, "group");
        self.store
            .create_group(self.uid(), &valid, Some(audit))
            .await
    }

    pub async fn update_group(
        &self,
        id: Id,
        expected_version: i64,
        input: &GroupInput,
    ) -> Result<Group> {
        self.require(Permission::Write)?;
        let (vocab, today) = self.rules_context().await?;
        let valid = input.validate(&self.rules(&vocab, today))?;
        let audit = self.entry(Action::Update, "group");
        self.store
            .update_group(self.uid(), id, expected_version, &valid, Some(audit))
            .await
    }

    // ---------------------------------------------------------------- vocabularies

    pub async fn vocabularies(&self) -> Result<Vocabularies> {
        self.require(Permission::Read)?;
        self.store.vocabularies().await
    }

    pub async fn add_term(&self, term: Term) -> Result<()> {
        self.require(Permission::Administer)?;
        let audit = self.entry(Action::TermAdd, "vocab_term");
        self.store.add_term(term, Some(audit)).await
    }

    pub async fn delete_term(&self, kind: VocabKind, code: &str) -> Result<()> {
        self.require(Permission::Administer)?;
        let audit = self.entry(Action::TermDelete, "vocab_term");
        self.store.delete_term(kind, code, Some(audit)).await
    }

    pub async fn counts(&self) -> Result<(i64, i64, i64)> {
        self.require(Permission::Read)?;
        self.store.counts().await
    }

    // ---------------------------------------------------------------- compartments

    /// The compartments the actor belongs to, at any level (for forms and the account).
    pub async fn my_compartments(&self) -> Result<Vec<Compartment>> {
        self.store.memberships(self.actor.user_id).await
    }

    /// The compartments the actor may write into (full membership).
    pub async fn writable_compartments(&self) -> Result<Vec<Compartment>> {
        Ok(self
            .my_compartments()
            .await?
            .into_iter()
            .filter(|c| c.level == Some(Level::Full))
            .collect())
    }

    /// The compartments whose records the actor may **count** but not list or read
    /// (aggregate-only membership) together with those they read in full. There are
    /// no statistics yet: a future statistics module counts over these ids and
    /// nothing else; every other read already excludes aggregate-only compartments.
    pub async fn aggregate_compartments(&self) -> Result<Vec<Id>> {
        Ok(self.my_compartments().await?.iter().map(|c| c.id).collect())
    }

    /// Every compartment with its member count (administrators only). Names and
    /// counts are not records: seeing them opens nothing.
    pub async fn all_compartments(&self) -> Result<Vec<Compartment>> {
        self.require(Permission::Administer)?;
        self.store.compartments(self.actor.user_id).await
    }

    pub async fn compartment_members(&self, compartment: Id) -> Result<Vec<Member>> {
        self.require(Permission::Administer)?;
        self.store.compartment_members(compartment).await
    }

    pub async fn create_compartment(&self, name: &str) -> Result<Id> {
        self.require(Permission::Administer)?;
        let audit = self.entry(Action::CompartmentCreate, "compartment");
        self.store.create_compartment(name, Some(audit)).await
    }

    /// Put a user in a compartment (or change their level). An administrator putting
    /// themselves in is joining: recorded as such.
    pub async fn add_member(&self, compartment: Id, user: Id, level: Level) -> Result<()> {
        self.require(Permission::Administer)?;
        let action = if user == self.actor.user_id {
            Action::CompartmentJoin
        } else {
            Action::CompartmentMemberAdd
        };
        let audit = self
            .entry(action, "compartment")
            .with("user_id", user)
            .with("level", level.code());
        self.store
            .set_membership(compartment, user, Some(level), Some(audit))
            .await
    }

    pub async fn remove_member(&self, compartment: Id, user: Id) -> Result<()> {
        self.require(Permission::Administer)?;
        let action = if user == self.actor.user_id {
            Action::CompartmentLeave
        } else {
            Action::CompartmentMemberRemove
        };
        let audit = self.entry(action, "compartment").with("user_id", user);
        self.store
            .set_membership(compartment, user, None, Some(audit))
            .await
    }

    /// An administrator joins a compartment, with full access. Audited.
    pub async fn join_compartment(&self, compartment: Id) -> Result<()> {
        self.add_member(compartment, self.actor.user_id, Level::Full)
            .await
    }

    pub async fn leave_compartment(&self, compartment: Id) -> Result<()> {
        self.remove_member(compartment, self.actor.user_id).await
    }

    // ---------------------------------------------------------------- users

    pub async fn users(&self) -> Result<Vec<User>> {
        self.require(Permission::Administer)?;
        self.store.users().await
    }

    pub async fn create_user(&self, new: NewUser) -> Result<User> {
        self.require(Permission::Administer)?;
        let audit = self
            .entry(Action::UserCreate, "user")
            .with("username", new.username.trim().to_lowercase())
            .with("role", new.role.code());
        self.store.create_user(new, Some(audit)).await
    }

    pub async fn set_user_disabled(&self, id: Id, disabled: bool) -> Result<()> {
        self.require(Permission::Administer)?;
        if id == self.actor.user_id && disabled {
            return Err(StoreError::Forbidden);
        }
        let action = if disabled {
            Action::UserDisable
        } else {
            Action::UserEnable
        };
        let audit = self.entry(action, "user");
        self.store
            .set_user_disabled(id, disabled, Some(audit))
            .await
    }

    pub async fn set_user_role(&self, id: Id, role: Role) -> Result<()> {
        self.require(Permission::Administer)?;
        if id == self.actor.user_id {
            return Err(StoreError::Forbidden);
        }
        let audit = self
            .entry(Action::UserRole, "user")
            .with("role", role.code());
        self.store.set_user_role(id, role, Some(audit)).await
    }

    /// Every user may set their own interface language.
    pub async fn set_own_language(&self, language: &str) -> Result<()> {
        self.store
            .set_user_language(self.actor.user_id, language)
            .await
    }

    /// Every user manages their own API tokens.
    pub async fn own_api_tokens(&self) -> Result<Vec<ApiToken>> {
        self.store.api_tokens(self.actor.user_id).await
    }

    pub async fn create_own_api_token(&self, name: &str) -> Result<(ApiToken, String)> {
        let audit = self
            .entry(Action::TokenCreate, "api_token")
            .with("name", name.trim());
        self.store
            .create_api_token(self.actor.user_id, name, Some(audit))
            .await
    }

    pub async fn revoke_own_api_token(&self, id: Id) -> Result<()> {
        let audit = self.entry(Action::TokenRevoke, "api_token");
        self.store
            .revoke_api_token(self.actor.user_id, id, Some(audit))
            .await
    }

    // ---------------------------------------------------------------- import

    /// Import validated incidents in one transaction: all or nothing. Persons the rows
    /// name are found or created by external id first; `persons[i]` is the victim of
    /// the row's violation `i`. The import stops at the first row that fails; its field
    /// errors come back after a marker naming the row — field `rows[3]` (the incident)
    /// or `rows[3].victim`, key `err-import-row` — so the caller can name the line.
    pub async fn import_batch(
        &self,
        new_terms: &[Term],
        rows: &[(Vec<vigil_domain::validate::ValidPerson>, IncidentInput)],
    ) -> Result<ImportCounts> {
        self.require(Permission::Import)?;
        if !new_terms.is_empty() {
            self.require(Permission::Administer)?;
        }
        let (vocab, today) = self.rules_context().await?;
        let vocab = Vocabularies::new(vocab.all().iter().chain(new_terms).cloned().collect());
        let rules = self.rules(&vocab, today);
        let at_row = |row: usize, part: &'static str| {
            move |e: StoreError| match e {
                StoreError::Invalid(mut fe) => {
                    let marker = vigil_domain::validate::FieldError {
                        field: format!("rows[{row}]{part}"),
                        key: "err-import-row".into(),
                        arg: Some(row.to_string()),
                    };
                    fe.0.insert(0, marker);
                    StoreError::Invalid(fe)
                }
                other => other,
            }
        };
        let mut tx = self.store.begin().await?;
        // New terms go in with the rows: if anything fails, neither stays.
        for t in new_terms {
            self.store.insert_term_in(&mut tx, t).await?;
        }
        let mut counts = ImportCounts::default();
        // Victims named by several rows (or several violations) are looked up once.
        let mut known: std::collections::HashMap<&str, Id> = std::collections::HashMap::new();
        for (row, (persons, input)) in rows.iter().enumerate() {
            let mut input = input.clone();
            for (vi, p) in persons.iter().enumerate() {
                let ext = p.0.external_id.as_str();
                let pid = match known.get(ext) {
                    Some(&pid) if !ext.is_empty() => pid,
                    _ => {
                        let pid = self
                            .store
                            .upsert_person_in(&mut tx, self.uid(), p)
                            .await
                            .map_err(at_row(row, ".victim"))?;
                        if !ext.is_empty() {
                            known.insert(ext, pid);
                        }
                        pid
                    }
                };
                if let Some(v) = input.violations.get_mut(vi) {
                    v.victim = Some(VictimRef::Person(pid));
                }
            }
            let valid = input
                .validate(&rules)
                .map_err(|e| at_row(row, "")(e.into()))?;
            match self
                .store
                .upsert_incident_in(&mut tx, self.uid(), &valid)
                .await
                .map_err(at_row(row, ""))?
            {
                Upsert::Created => counts.created += 1,
                Upsert::Updated => counts.updated += 1,
                Upsert::Unchanged => counts.unchanged += 1,
            }
        }
        // One entry for the batch, committed with it; each record's version names
        // the importer too.
        let terms: Vec<String> = new_terms
            .iter()
            .map(|t| format!("{}:{}", t.kind.code(), t.code))
            .collect();
        let e = self
            .entry(Action::Import, "incident")
            .with("rows", rows.len())
            .with("created", counts.created)
            .with("updated", counts.updated)
            .with("unchanged", counts.unchanged)
            .with("new_terms", terms);
        self.store.audit_in(&mut tx, &e).await?;
        tx.commit().await?;
        self.store.reads.invalidate();
        Ok(counts)
    }

    // ---------------------------------------------------------------- audit log

    /// One page of the audit log, newest first (administrators only).
    pub async fn audit_log(&self, f: &AuditFilter, page: u32) -> Result<Page<AuditRecord>> {
        self.require(Permission::Administer)?;
        self.store.audit_entries(f, page).await
    }

    /// The audit log for export, newest first; the export is itself recorded.
    pub async fn export_audit_log(&self, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.require(Permission::Administer)?;
        let list = self.store.audit_export(f, EXPORT_LIMIT).await?;
        let e = self
            .entry(Action::Export, "audit_log")
            .with("count", list.len());
        self.store.audit(&e).await?;
        Ok(list)
    }

    /// Verify the audit log's hash chain (administrators only).
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        self.require(Permission::Administer)?;
        self.store.verify_audit().await
    }
}

/// The names of the filters a search or export used (never their values: a region or
/// a query can name someone).
fn filter_keys<F: serde::Serialize>(f: &F) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(f) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(k, v)| {
            k != "q"
                && k != "page"
                && match v {
                    serde_json::Value::String(s) => !s.trim().is_empty(),
                    serde_json::Value::Null => false,
                    _ => true,
                }
        })
        .map(|(k, _)| k)
        .collect()
}

/// A search entry: the SHA-256 of the query (never its text), the filters used and
/// how many records matched.
fn search_entry<F: serde::Serialize>(e: AuditEntry, q: &str, f: &F, total: i64) -> AuditEntry {
    e.with("q_sha256", query_digest(q))
        .with("filters", filter_keys(f))
        .with("total", total)
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}
