//! `rampart keygen --out PREFIX`: an Ed25519 key pair for signed tables. Writes
//! `PREFIX.key` (the private key, mode 0600) and `PREFIX.pub` (the public key), each its 32
//! bytes in standard base64 on one line. Sign with `rampart compile --sign PREFIX.key`;
//! verify with `--verify PREFIX.pub` or `Tables::load_verified`.

use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine;

use crate::outcome::{Failure, Outcome};
use crate::output::Output;

/// Arguments of `keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// Path prefix: writes `PREFIX.key` and `PREFIX.pub`.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> Outcome {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Failure::Error(format!("no randomness for a key: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let b64 = base64::engine::general_purpose::STANDARD;
    let private = args.out.with_extension("key");
    let public = args.out.with_extension("pub");
    let write = |path: &PathBuf, text: String, mode: u32| -> Result<(), Failure> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        let _ = mode;
        use std::io::Write;
        options
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| Failure::Error(format!("cannot write `{}`: {e}", path.display())))
    };
    write(&private, format!("{}\n", b64.encode(key.to_bytes())), 0o600)?;
    write(
        &public,
        format!("{}\n", b64.encode(key.verifying_key().to_bytes())),
        0o644,
    )?;
    let mut out = Output::new();
    out.line(format!(
        "wrote {} (private) and {} (public)",
        private.display(),
        public.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
