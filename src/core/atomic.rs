//! Atomic file output: write beside the target, then rename over it, so a crash or a full
//! disk never leaves a half-written checkpoint, export or volume where a good one was.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes a file through `fill`, atomically: the data goes to a temporary file in the same
/// folder, which is synced and then renamed to `path`.
pub fn write_atomically(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".cadet-").suffix(".partial").tempfile_in(dir)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, &mut tmp);
        fill(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    // temporary files are created private (0600); a saved file gets the usual 0644
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes bytes atomically.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically(path, |w| w.write_all(bytes))
}

/// Creates a new directory that did not exist before: `base`, or `base-2`, `base-3`, ... if
/// taken. Returns the path created. Used for run directories, which are never overwritten.
pub fn create_fresh_dir(base: &Path) -> io::Result<std::path::PathBuf> {
    if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    for n in 1.. {
        let candidate = if n == 1 {
            base.to_path_buf()
        } else {
            let mut name = base.file_name().unwrap_or_default().to_os_string();
            name.push(format!("-{n}"));
            base.with_file_name(name)
        };
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("an unbounded range always yields")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        write_bytes_atomically(&p, b"first").unwrap();
        write_bytes_atomically(&p, b"second").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second");
        let failed = write_atomically(&p, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"second", "a failed write keeps the old file");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn fresh_dirs_never_reuse_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("runs").join("cifarnet");
        let a = create_fresh_dir(&base).unwrap();
        let b = create_fresh_dir(&base).unwrap();
        assert_eq!(a, base);
        assert_eq!(b, dir.path().join("runs").join("cifarnet-2"));
    }
}
