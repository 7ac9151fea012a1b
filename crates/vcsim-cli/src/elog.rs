//! Messages on stderr that never panic.

/// Like `eprintln!`, but a closed or broken stderr is ignored instead of
/// panicking: a run whose log pipe went away keeps running and writing its file.
#[macro_export]
macro_rules! elog {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
