//! Pools of pools, two levels deep: each `Region` item owns a pool of `Depot`s, created in its
//! constructor, and each `Depot` owns a pool of `Shelf`s. A request to a region fans out
//! through both levels; shutting the top pool down runs every level's shutdown hook, and the
//! reports of the child threads come back nested in their parents' `ThreadShutdownResponse`.

#![allow(missing_docs)] // test items: `pub` because the generated types are

use spindle_pool::{IdTargeted, ItemPool, PoolError, ThreadShutdownResponse, pool_item};

/// Leaves: each holds a number of boxes.
#[derive(Debug)]
pub struct Shelf {
    id: u64,
    boxes: u64,
}

#[pool_item]
impl Shelf {
    pub fn new(id: u64) -> Self {
        Shelf { id, boxes: id % 10 }
    }

    #[messaging(BoxesRequest, BoxesResponse)]
    pub fn boxes(&self) -> u64 {
        self.boxes
    }
}

impl IdTargeted for Shelf {
    fn id(&self) -> u64 {
        self.id
    }
}

/// The middle level: owns a pool of shelves (ids `id * 100 + 0..SHELVES`).
#[derive(Debug)]
pub struct Depot {
    id: u64,
    shelves: ItemPool<Shelf>,
}

const SHELVES: u64 = 4;
const DEPOTS: u64 = 3;

#[pool_item(Shutdown = "close")]
impl Depot {
    pub fn new(id: u64) -> Self {
        let shelves = ItemPool::new(2).expect("a shelf pool");
        shelves
            .send_and_receive((0..SHELVES).map(|i| ShelfInit(id * 100 + i)))
            .expect("shelves created")
            .for_each(drop);
        Depot { id, shelves }
    }

    #[messaging(StockRequest, StockResponse)]
    pub fn stock(&self) -> Result<u64, PoolError> {
        let ids = (0..SHELVES).map(|i| BoxesRequest(self.id * 100 + i));
        Ok(self.shelves.send_and_receive(ids)?.map(|r| r.result).sum())
    }

    fn close(&mut self) -> Vec<ThreadShutdownResponse> {
        self.shelves.shutdown()
    }
}

impl IdTargeted for Depot {
    fn id(&self) -> u64 {
        self.id
    }
}

/// The top level: owns a pool of depots (ids `id * 10 + 0..DEPOTS`).
#[derive(Debug)]
pub struct Region {
    id: u64,
    depots: ItemPool<Depot>,
}

#[pool_item(Shutdown = "close")]
impl Region {
    pub fn new(id: u64) -> Self {
        let depots = ItemPool::new(2).expect("a depot pool");
        depots
            .send_and_receive((0..DEPOTS).map(|i| DepotInit(id * 10 + i)))
            .expect("depots created")
            .for_each(drop);
        Region { id, depots }
    }

    #[messaging(TotalRequest, TotalResponse)]
    pub fn total(&self) -> Result<u64, PoolError> {
        let ids = (0..DEPOTS).map(|i| StockRequest(self.id * 10 + i));
        self.depots.send_and_receive(ids)?.map(|r| r.result).sum()
    }

    fn close(&mut self) -> Vec<ThreadShutdownResponse> {
        self.depots.shutdown()
    }
}

impl IdTargeted for Region {
    fn id(&self) -> u64 {
        self.id
    }
}

/// What a region's total must be, computed without pools.
fn expected_total(region: u64) -> u64 {
    (0..DEPOTS)
        .flat_map(|d| (0..SHELVES).map(move |s| ((region * 10 + d) * 100 + s) % 10))
        .sum()
}

#[test]
fn requests_fan_out_through_two_levels() {
    let regions = ItemPool::<Region>::new(2).unwrap();
    regions
        .send_and_receive((1..=3).map(RegionInit))
        .unwrap()
        .for_each(drop);
    let totals: Vec<u64> = regions
        .send_and_receive((1..=3).map(TotalRequest))
        .unwrap()
        .map(|r| r.result.unwrap())
        .collect();
    assert_eq!(totals, (1..=3).map(expected_total).collect::<Vec<_>>());
    regions.shutdown();
}

#[test]
fn shutdown_reports_nest_each_level_under_its_parent() {
    let regions = ItemPool::<Region>::new(2).unwrap();
    regions
        .send_and_receive((1..=3).map(RegionInit))
        .unwrap()
        .for_each(drop);
    let reports = regions.shutdown();

    // Top: one report per region thread, naming the regions it held.
    assert_eq!(reports.len(), 2);
    let mut region_ids: Vec<u64> = reports.iter().flat_map(|r| r.items().to_vec()).collect();
    region_ids.sort_unstable();
    assert_eq!(region_ids, [1, 2, 3]);
    for report in &reports {
        // Each region's hook shut its depot pool down: two depot threads per region.
        assert_eq!(report.children().len(), 2 * report.items().len());
        for depot_thread in report.children() {
            // Each depot's hook shut its shelf pool down: two shelf threads per depot.
            assert_eq!(
                depot_thread.children().len(),
                2 * depot_thread.items().len()
            );
            for shelf_thread in depot_thread.children() {
                assert!(shelf_thread.children().is_empty());
                assert!(shelf_thread.panicked().is_empty());
            }
        }
    }
    let depots: usize = reports
        .iter()
        .flat_map(|r| r.children())
        .map(|d| d.items().len())
        .sum();
    let shelves: usize = reports
        .iter()
        .flat_map(|r| r.children())
        .flat_map(|d| d.children())
        .map(|s| s.items().len())
        .sum();
    assert_eq!(depots as u64, 3 * DEPOTS);
    assert_eq!(shelves as u64, 3 * DEPOTS * SHELVES);

    // `take_children` hands the nested reports over by value.
    let first = reports.into_iter().next().unwrap();
    let children = first.take_children();
    assert!(!children.is_empty());
}

#[test]
fn a_removed_parent_shuts_its_children_down_with_it() {
    let regions = ItemPool::<Region>::new(1).unwrap();
    regions.send_and_receive_once(RegionInit(5)).unwrap();
    let removed = regions
        .send_and_receive_once(spindle_pool::RemovePoolItemRequest(5))
        .unwrap();
    assert!(removed.item_existed());
    // Dropping the region dropped its depot pool, which joined its threads (and theirs).
    let reports = regions.shutdown();
    assert!(reports[0].items().is_empty());
    assert!(reports[0].children().is_empty());
}
