//! `adresse token create|list|revoke`: the operator's commands for commune API tokens. The
//! token is printed once, alone on the last line of the output; only its hash is stored.

use std::path::PathBuf;

use clap::Subcommand;

use super::store::Store;
use super::tokens;
use crate::error::Result;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for one or more communes; prints it once, on the last line.
    Create {
        #[arg(long, env = "ADRESSE_INDEX")]
        index: PathBuf,
        /// INSEE code of a commune the token may change (repeat for an inter-communal body).
        #[arg(long = "commune", required = true)]
        communes: Vec<String>,
        /// Who holds the token, as written in the audit log ("Mairie de Gap").
        #[arg(long)]
        label: String,
    },
    /// List tokens (never the tokens themselves).
    List {
        #[arg(long, env = "ADRESSE_INDEX")]
        index: PathBuf,
    },
    /// Revoke a token by the id `token list` shows.
    Revoke {
        #[arg(long, env = "ADRESSE_INDEX")]
        index: PathBuf,
        id: i64,
    },
}

fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

pub fn run(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            index,
            communes,
            label,
        } => {
            let store = Store::open(&index)?;
            let (id, token) = tokens::create(&store, &communes, &label)?;
            println!(
                "token #{id} created for {} ({}); it is shown only now, keep it safe:",
                label.trim(),
                communes.join(", ")
            );
            println!("{token}");
        }
        TokenCommand::List { index } => {
            let store = Store::open(&index)?;
            let list = store.tokens()?;
            if list.is_empty() {
                println!("no tokens");
            }
            for t in list {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", date(at)),
                    None => "active".into(),
                };
                println!(
                    "#{}\t{}\t{}\tcreated {}\t{state}",
                    t.id,
                    t.label,
                    t.communes.join(","),
                    date(t.created_at)
                );
            }
        }
        TokenCommand::Revoke { index, id } => {
            let store = Store::open(&index)?;
            if store.revoke_token(id)? {
                println!("token #{id} revoked");
            } else {
                return Err(crate::Error::Input(format!(
                    "no active token #{id}; see `adresse token list`"
                )));
            }
        }
    }
    Ok(())
}
