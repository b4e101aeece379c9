//! External commands (the Slurm tools, `kill`) run with a timeout: their output is collected on
//! threads so a full pipe cannot stall them, a missing program is a clear error, and one that
//! does not answer in time is killed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::SweepError;

/// How long a scheduler command may take before it counts as hung.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `program args` and returns its standard output; `hint` says what to do when the program
/// is missing. A non-zero exit is [`SweepError::ToolFailed`] with its standard error.
pub fn run_tool(program: &str, args: &[String], timeout: Duration, hint: &str) -> Result<String, SweepError> {
    let command = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SweepError::MissingTool { tool: program.into(), hint: hint.into() },
            _ => SweepError::Other(format!("cannot start `{command}`: {e}")),
        })?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SweepError::Timeout { command, seconds: timeout.as_secs() });
            }
            Err(e) => return Err(SweepError::Other(format!("`{command}`: {e}"))),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        return Err(SweepError::ToolFailed { command, status: status.to_string(), stderr: stderr.trim().to_string() });
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_a_failure_and_a_hang_are_told_apart() {
        let missing = run_tool("cadet-no-such-tool", &[], DEFAULT_TIMEOUT, "install it").unwrap_err();
        assert!(matches!(missing, SweepError::MissingTool { .. }), "{missing}");
        assert!(missing.to_string().contains("install it"));
        let args = |s: &[&str]| s.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let failed = run_tool("sh", &args(&["-c", "echo oops >&2; exit 3"]), DEFAULT_TIMEOUT, "").unwrap_err();
        assert!(failed.to_string().contains("oops"), "{failed}");
        let hung = run_tool("sleep", &args(&["5"]), Duration::from_millis(200), "").unwrap_err();
        assert!(matches!(hung, SweepError::Timeout { .. }), "{hung}");
        assert_eq!(run_tool("echo", &args(&["hi"]), DEFAULT_TIMEOUT, "").unwrap(), "hi\n");
    }
}
