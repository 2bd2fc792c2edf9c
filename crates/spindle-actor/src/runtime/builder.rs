//! [`RuntimeBuilder`] and the constructors of a [`Runtime`].

use std::time::Instant;

use spindle_utils::BuildError;

use super::Runtime;

/// Bytes each of the two call buffers starts with.
const DEFAULT_QUEUE_BYTES: usize = 16 * 1024;

/// Configures a [`Runtime`]: the start of its clock and what it preallocates.
///
/// ```
/// let rt = spindle_actor::Runtime::builder()
///     .start(std::time::Instant::now())
///     .queue_bytes(64 * 1024)
///     .timer_capacity(1000)
///     .build()?;
/// # drop(rt);
/// # Ok::<(), spindle_actor::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    start: Option<Instant>,
    queue_bytes: usize,
    timer_capacity: usize,
}

impl Default for RuntimeBuilder {
    fn default() -> Self {
        Self {
            start: None,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            timer_capacity: 0,
        }
    }
}

impl RuntimeBuilder {
    /// The runtime's clock starts here (default: `Instant::now()` at `build`). Pass the start
    /// of a virtual clock in tests.
    ///
    /// ```
    /// let t0 = std::time::Instant::now();
    /// assert_eq!(spindle_actor::Runtime::builder().start(t0).build().unwrap().now(), t0);
    /// ```
    pub fn start(self, start: Instant) -> Self {
        Self {
            start: Some(start),
            ..self
        }
    }

    /// Bytes preallocated for each of the two call buffers (default 16 KiB). They grow by
    /// doubling when a burst needs more; once the runtime is idle again (at the end of a
    /// [`run`](Runtime::run)), a buffer larger than this or 2 MiB, whichever is more, is shrunk
    /// back to that, so one burst does not hold its memory for the runtime's life. Set it to
    /// your largest regular burst to keep that room (and allocate nothing) from run to run.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::builder().queue_bytes(1 << 20).build()?;
    /// # drop(rt);
    /// # Ok::<(), spindle_actor::BuildError>(())
    /// ```
    pub fn queue_bytes(self, bytes: usize) -> Self {
        Self {
            queue_bytes: bytes,
            ..self
        }
    }

    /// Timers preallocated for (default 0: the store grows on first use). Adding, firing and
    /// cancelling up to this many pending timers allocates nothing. After a burst, the store
    /// keeps room for this many timers or 16 384, whichever is more (1.5 MiB), and shrinks
    /// once it holds more than twice that.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::builder().timer_capacity(10_000).build()?;
    /// # drop(rt);
    /// # Ok::<(), spindle_actor::BuildError>(())
    /// ```
    pub fn timer_capacity(self, timers: usize) -> Self {
        Self {
            timer_capacity: timers,
            ..self
        }
    }

    /// Builds the runtime, allocating what was asked for.
    ///
    /// # Errors
    ///
    /// [`BuildError::TooLarge`] naming the setting (`"queue_bytes"` or `"timer_capacity"`,
    /// the first that fails) if the bytes for a size overflow or cannot be allocated; nothing
    /// is kept allocated then.
    ///
    /// ```
    /// use spindle_actor::{BuildError, Runtime};
    /// let rt = Runtime::builder().build()?;
    /// assert!(matches!(
    ///     Runtime::builder().timer_capacity(usize::MAX).build(),
    ///     Err(BuildError::TooLarge { setting: "timer_capacity", requested: usize::MAX }),
    /// ));
    /// let err = Runtime::builder().queue_bytes(usize::MAX).build().unwrap_err();
    /// let expected = format!("`queue_bytes({})` is too large to allocate", usize::MAX);
    /// assert_eq!(err.to_string(), expected);
    /// # Ok::<(), BuildError>(())
    /// ```
    pub fn build(self) -> Result<Runtime, BuildError> {
        let start = self.start.unwrap_or_else(Instant::now);
        Runtime::with_sizes(start, self.queue_bytes, self.timer_capacity)
    }
}

impl Runtime {
    /// A runtime whose clock starts now, with default buffers.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::new();
    /// assert!(rt.is_idle());
    /// ```
    pub fn new() -> Self {
        RuntimeBuilder::default()
            .build()
            .expect("the default sizes are small enough to allocate")
    }

    /// A [`RuntimeBuilder`] to set the clock's start and preallocations.
    ///
    /// ```
    /// let rt = spindle_actor::Runtime::builder().build()?;
    /// # drop(rt);
    /// # Ok::<(), spindle_actor::BuildError>(())
    /// ```
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}
