//! `SenderAndReceiverMock`: code written against `SenderAndReceiver` tested without threads.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Meter, MeterInit, RecordRequest, RecordResponse};
use spindle_pool::{
    AddResponse, IntoReply, ItemPool, RequestWithResponse, SenderAndReceiver, SenderAndReceiverMock,
};

/// The code under test: opens a meter and records two readings through any sender.
fn open_and_record(sender: &impl SenderAndReceiver<Meter>, id: u64) -> u64 {
    sender.send_and_receive_once(MeterInit(id)).unwrap();
    let totals: Vec<u64> = sender
        .send_and_receive([RecordRequest(id, 5), RecordRequest(id, 7)])
        .unwrap()
        .map(|r| r.result)
        .collect();
    totals[1]
}

fn mock_for(id: u64, second: u64) -> SenderAndReceiverMock<Meter> {
    SenderAndReceiverMock::new_with_expected_requests(
        vec![
            MeterInit(id).into_message(),
            RecordRequest(id, 5).into_message(),
            RecordRequest(id, 7).into_message(),
        ],
        vec![
            AddResponse::new(id).into_reply(),
            RecordResponse { id, result: 5 }.into_reply(),
            RecordResponse { id, result: second }.into_reply(),
        ],
    )
}

#[test]
fn the_same_code_runs_against_the_pool_and_the_mock() {
    let pool = ItemPool::<Meter>::new(2).unwrap();
    assert_eq!(open_and_record(&pool, 3), 12);
    let mock = mock_for(3, 99);
    assert_eq!(
        open_and_record(&mock, 3),
        99,
        "the canned answer, not a computed one"
    );
    assert!(mock.was_called());
    mock.assert_is_complete();
}

#[test]
fn a_request_other_than_the_expected_one_fails_the_test() {
    let mock = mock_for(3, 12);
    let failure = catch_unwind(AssertUnwindSafe(|| open_and_record(&mock, 4))).unwrap_err();
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("expected and actual requests differ"),
        "{message}"
    );
}

#[test]
fn leftover_responses_are_reported() {
    let mock = mock_for(3, 12);
    mock.send_and_receive_once(MeterInit(3)).unwrap();
    assert!(!mock.is_complete());
    assert!(catch_unwind(AssertUnwindSafe(|| mock.assert_is_complete())).is_err());
}
