//! The bench item, defined once for both `#[pool_item]` pools: spindle-pool's and
//! messaging_thread_pool 5.0's macros generate `CounterInit`, `IncRequest`/`IncResponse` and
//! `SpinRequest`/`SpinResponse` from the same code, so the two pools run exactly the same
//! item. Each pool's module imports its own `IdTargeted` and `pool_item` and passes its
//! `#[pool_item ...]` attribute in.

/// Defines `Counter` (a counter; `spin` burns a calibrated amount of CPU first) under the
/// given `#[pool_item ...]` attribute, in the calling module.
macro_rules! counter_item {
    (#[$pool_item:meta]) => {
        /// A counter; `spin` burns a calibrated amount of CPU first.
        #[derive(Debug)]
        pub(crate) struct Counter {
            id: u64,
            n: u64,
        }

        impl IdTargeted for Counter {
            fn id(&self) -> u64 {
                self.id
            }
        }

        #[$pool_item]
        impl Counter {
            pub(crate) fn new(id: u64) -> Self {
                Self { id, n: 0 }
            }

            /// Adds `k` and returns the new count.
            #[messaging(IncRequest, IncResponse)]
            pub(crate) fn inc(&mut self, k: u64) -> u64 {
                self.n += k;
                self.n
            }

            /// Runs `iters` iterations of busy work, folds the result in and returns the
            /// count.
            #[messaging(SpinRequest, SpinResponse)]
            pub(crate) fn spin(&mut self, iters: u64) -> u64 {
                self.n = self.n.wrapping_add(crate::burn(iters));
                self.n
            }
        }
    };
}

pub(crate) use counter_item;
