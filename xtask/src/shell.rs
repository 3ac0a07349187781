//! Running child processes: the repository root as working directory, the pinned tools first on
//! `PATH`, and every command echoed before it runs.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where tasks run and which tools they find.
pub struct Shell {
    /// The repository root (the workspace containing `xtask/`).
    pub root: PathBuf,
    path: OsString,
}

impl Shell {
    /// Builds the child `PATH`: `<root>/node_modules/.bin` first (the npm-pinned `wasm-opt`), then
    /// `~/.cargo/bin` (the `cargo install`ed wasm-bindgen and wasm-pack), then the inherited `PATH`.
    pub fn open() -> Result<Shell, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("xtask/ has no parent directory")?
            .to_path_buf();
        let mut dirs = vec![
            root.join("node_modules").join(".bin"),
            cargo_home().join("bin"),
        ];
        if let Some(inherited) = env::var_os("PATH") {
            dirs.extend(env::split_paths(&inherited));
        }
        let path = env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;
        Ok(Shell { root, path })
    }

    /// A command run at the repository root with the tool `PATH`.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    /// `cargo`, the same one that runs this xtask.
    pub fn cargo(&self) -> Command {
        self.cmd(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    /// Cargo's target directory (honours `CARGO_TARGET_DIR`).
    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => self.root.join(dir),
            None => self.root.join("target"),
        }
    }

    /// The first `program` on the tool `PATH`, as the children will find it.
    pub fn which(&self, program: &str) -> Option<PathBuf> {
        env::split_paths(&self.path)
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate))
    }

    /// Echoes and runs `cmd`, failing unless it exits with status 0.
    pub fn run(&self, cmd: &mut Command) -> Result<(), String> {
        let shown = show(cmd);
        println!("$ {shown}");
        let status = cmd
            .status()
            .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{shown}` failed ({status})"))
        }
    }

    /// The trimmed stdout of `program args` if it starts and succeeds; `None` otherwise. Used to
    /// probe whether a tool is present and at which version.
    pub fn probe(&self, program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
        let output = self.cmd(program).args(args).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

/// `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> PathBuf {
    if let Some(home) = env::var_os("CARGO_HOME") {
        return PathBuf::from(home);
    }
    env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".cargo")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The command line as a user would type it (environment changes other than PATH are shown).
fn show(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter(|(key, _)| *key != "PATH")
        .map(|(key, value)| {
            format!(
                "{}={}",
                key.to_string_lossy(),
                value.unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    parts.push(cmd.get_program().to_string_lossy().into_owned());
    parts.extend(cmd.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    parts.join(" ")
}
