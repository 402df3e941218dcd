//! `vigil compartment …`: create compartments and put users in them from the command
//! line (set-up scripts, an administrator locked out of the UI). Every change is in
//! the audit log, recorded as `(cli)`; nothing here reads a record.

use std::process::ExitCode;

use clap::Subcommand;
use vigil_store::audit::{Action, AuditEntry};
use vigil_store::Level;

use crate::cli::{open_store, DbArgs};

#[derive(Subcommand, Debug)]
pub enum CompartmentCommand {
    /// Create a compartment.
    Add {
        #[command(flatten)]
        db: DbArgs,
        name: String,
    },
    /// Put a user in a compartment (full access unless --aggregate-only), or change
    /// their level there.
    Grant {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        compartment: String,
        /// The user may count the compartment's records but never list or read them.
        #[arg(long)]
        aggregate_only: bool,
    },
    /// Take a user out of a compartment.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        compartment: String,
    },
    /// List compartments with their members.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn command(cmd: CompartmentCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CompartmentCommand::Add { db, name } => {
            let store = open_store(&db, false, false).await?;
            let audit = AuditEntry::new(Action::CompartmentCreate, "compartment").cli();
            let id = store
                .create_compartment(&name, Some(audit))
                .await
                .map_err(|e| match e {
                    vigil_store::StoreError::Invalid(errs) => anyhow::anyhow!("invalid: {errs}"),
                    other => anyhow::anyhow!(other),
                })?;
            println!("Created compartment {} (id {id}).", name.trim());
            store.close().await;
        }
        CompartmentCommand::Grant {
            db,
            username,
            compartment,
            aggregate_only,
        } => {
            let store = open_store(&db, false, false).await?;
            let (user, c) = find(&store, &username, &compartment).await?;
            let level = if aggregate_only {
                Level::AggregateOnly
            } else {
                Level::Full
            };
            let audit = AuditEntry::new(Action::CompartmentMemberAdd, "compartment")
                .cli()
                .with("user_id", user.id)
                .with("level", level.code());
            store
                .set_membership(c.id, user.id, Some(level), Some(audit))
                .await?;
            println!("{} is now in {} ({}).", user.username, c.name, level.code());
            store.close().await;
        }
        CompartmentCommand::Revoke {
            db,
            username,
            compartment,
        } => {
            let store = open_store(&db, false, false).await?;
            let (user, c) = find(&store, &username, &compartment).await?;
            let audit = AuditEntry::new(Action::CompartmentMemberRemove, "compartment")
                .cli()
                .with("user_id", user.id);
            store
                .set_membership(c.id, user.id, None, Some(audit))
                .await?;
            println!("{} is no longer in {}.", user.username, c.name);
            store.close().await;
        }
        CompartmentCommand::List { db } => {
            let store = open_store(&db, false, false).await?;
            for c in store.compartments(0).await? {
                let members: Vec<String> = store
                    .compartment_members(c.id)
                    .await?
                    .into_iter()
                    .map(|m| match m.level {
                        Level::Full => m.username,
                        Level::AggregateOnly => format!("{} (aggregate only)", m.username),
                    })
                    .collect();
                println!("{}\t{}\t{}", c.id, c.name, members.join(", "));
            }
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find(
    store: &vigil_store::Store,
    username: &str,
    compartment: &str,
) -> anyhow::Result<(vigil_store::User, vigil_store::Compartment)> {
    let user = store
        .user_by_name(username)
        .await
        .map_err(|_| anyhow::anyhow!("no user {username}"))?;
    let c = store
        .compartment_by_name(compartment)
        .await
        .map_err(|_| anyhow::anyhow!("no compartment {compartment}"))?;
    Ok((user, c))
}

/// Compartments of the demo: besides "General" (where the demo records are), two
/// empty teams to show the idea, and the demo administrator in every compartment.
pub const DEMO_COMPARTMENTS: [&str; 2] = ["Colombia team", "Central America team"];

pub async fn demo_compartments(store: &vigil_store::Store, admin: i64) -> anyhow::Result<()> {
    for name in DEMO_COMPARTMENTS {
        if store.compartment_by_name(name).await.is_err() {
            let audit = AuditEntry::new(Action::CompartmentCreate, "compartment").cli();
            store.create_compartment(name, Some(audit)).await?;
        }
    }
    for c in store.compartments(admin).await? {
        if c.level != Some(Level::Full) {
            let audit = AuditEntry::new(Action::CompartmentMemberAdd, "compartment")
                .cli()
                .with("user_id", admin)
                .with("level", Level::Full.code());
            store
                .set_membership(c.id, admin, Some(Level::Full), Some(audit))
                .await?;
        }
    }
    Ok(())
}
