//! The two-level bench items, defined once for both libraries: a `Branch` owns a pool of
//! `Leaf`s, created in its constructor and shut down in its shutdown hook. Each library's
//! module imports messaging_thread_pool's names (`ThreadPool`, `pool_item`, `IdTargeted`,
//! `ThreadShutdownResponse`) from its own crate, Spindle's through `spindle::pool::compat`, so
//! the same code compiles against both: the migration the compat module promises.

/// Leaves per branch.
pub(crate) const LEAVES: u64 = 64;

/// Defines `Leaf` and `Branch` in the calling module, which imports `ThreadPool`, `pool_item`,
/// `IdTargeted` and `ThreadShutdownResponse` from one library.
macro_rules! two_level_items {
    () => {
        /// A leaf: holds a value.
        #[derive(Debug)]
        pub(crate) struct Leaf {
            id: u64,
            value: u64,
        }

        impl IdTargeted for Leaf {
            fn id(&self) -> u64 {
                self.id
            }
        }

        #[pool_item]
        impl Leaf {
            pub(crate) fn new(id: u64) -> Self {
                Self { id, value: id % 7 }
            }

            /// Adds `k` to the value and returns it.
            #[messaging(BumpRequest, BumpResponse)]
            pub(crate) fn bump(&mut self, k: u64) -> u64 {
                self.value += k;
                self.value
            }
        }

        /// A branch: owns a pool of `LEAVES` leaves on 2 threads.
        #[derive(Debug)]
        pub(crate) struct Branch {
            id: u64,
            leaves: ThreadPool<Leaf>,
        }

        impl IdTargeted for Branch {
            fn id(&self) -> u64 {
                self.id
            }
        }

        #[pool_item(Shutdown = "close")]
        impl Branch {
            pub(crate) fn new(id: u64) -> Self {
                let leaves = ThreadPool::<Leaf>::new(2);
                leaves
                    .send_and_receive((0..crate::two_level::LEAVES).map(LeafInit))
                    .expect("leaves created")
                    .for_each(drop);
                Self { id, leaves }
            }

            /// Bumps every leaf by `k`; returns the sum of their values.
            #[messaging(BumpAllRequest, BumpAllResponse)]
            pub(crate) fn bump_all(&self, k: u64) -> u64 {
                self.leaves
                    .send_and_receive((0..crate::two_level::LEAVES).map(|id| BumpRequest(id, k)))
                    .expect("leaf pool running")
                    .map(|r| r.result)
                    .sum()
            }

            pub(crate) fn close(&self) -> Vec<ThreadShutdownResponse> {
                self.leaves.shutdown()
            }
        }
    };
}

pub(crate) use two_level_items;
