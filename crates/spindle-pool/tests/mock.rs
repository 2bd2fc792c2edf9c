//! `SenderAndReceiverMock`: code written against `SenderAndReceiver` tested without threads.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Meter, MeterInit, RecordRequest, RecordResponse};
use spindle_pool::{
    AddResponse, IntoReply, ItemPool, PoolError, PoolItem, RequestWithResponse, SenderAndReceiver,
    SenderAndReceiverMock,
};
use spindle_test_support::send_sync;

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

/// A mock of the default kind (`Message`s and `Reply`s), for requests of several types.
fn mock_for(id: u64, second: u64) -> SenderAndReceiverMock<Meter> {
    SenderAndReceiverMock::new_with_expected_requests(
        vec![
            MeterInit(id).into_message(),
            RecordRequest(id, 5).into_message(),
            RecordRequest(id, 7).into_message(),
        ],
        vec![
            AddResponse::new(id, Ok(id)).into_reply(),
            RecordResponse { id, result: 5 }.into_reply(),
            RecordResponse { id, result: second }.into_reply(),
        ],
    )
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it should have panicked");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
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
    let message = panic_message(|| {
        open_and_record(&mock, 4);
    });
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
    let message = panic_message(|| mock.assert_is_complete());
    assert!(message.contains("2 remaining"), "{message}");
}

#[test]
fn a_mock_of_one_request_type_takes_its_requests_and_responses_as_they_are() {
    let mock = SenderAndReceiverMock::<Meter, RecordRequest>::new_with_expected_requests(
        vec![RecordRequest(1, 5), RecordRequest(2, 6)],
        vec![
            RecordResponse { id: 1, result: 50 },
            RecordResponse { id: 2, result: 60 },
        ],
    );
    let first = mock.send_and_receive_one(RecordRequest(1, 5)).unwrap();
    assert_eq!(first, RecordResponse { id: 1, result: 50 });
    let rest: Vec<RecordResponse> = mock
        .send_and_receive([RecordRequest(2, 6)])
        .unwrap()
        .collect();
    assert_eq!(rest, [RecordResponse { id: 2, result: 60 }]);
    mock.assert_is_complete();
}

#[test]
fn a_mock_of_one_request_type_answers_requests_of_another_type_for_the_same_item() {
    // Built with `MeterInit`s; sent a `MeterInit`, then the same request as a `Message` (a
    // mock of `ThreadRequestResponse`s sent typed requests is in `compat.rs`).
    let mock = SenderAndReceiverMock::<Meter, MeterInit>::new(vec![AddResponse::new(4, Ok(4))]);
    let added: AddResponse = mock.send_and_receive_once(MeterInit(4)).unwrap();
    assert_eq!(added.result(), Ok(&4));
    let mock = SenderAndReceiverMock::<Meter, MeterInit>::new(vec![AddResponse::new(5, Ok(5))]);
    let reply = mock
        .send_and_receive_once(MeterInit(5).into_message())
        .unwrap();
    assert_eq!(reply, AddResponse::new(5, Ok(5)).into_reply());
}

#[test]
fn running_out_of_responses_is_an_error_for_one_request_not_a_panic() {
    let mock = SenderAndReceiverMock::<Meter, RecordRequest>::new(vec![RecordResponse {
        id: 1,
        result: 1,
    }]);
    assert!(mock.send_and_receive_once(RecordRequest(1, 1)).is_ok());
    let err = mock.send_and_receive_once(RecordRequest(8, 1)).unwrap_err();
    assert!(matches!(err, PoolError::MockExhausted(8)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the mock has no canned response left for the request to item 8"
    );
    let err = mock.send_and_receive_one(RecordRequest(9, 1)).unwrap_err();
    assert!(matches!(err, PoolError::MockExhausted(9)), "{err:?}");
}

#[test]
fn running_out_of_responses_in_a_batch_returns_the_ones_left() {
    let mock = SenderAndReceiverMock::<Meter, RecordRequest>::new(vec![
        RecordResponse { id: 1, result: 10 },
        RecordResponse { id: 2, result: 20 },
    ]);
    let got: Vec<u64> = mock
        .send_and_receive((1..=3).map(|id| RecordRequest(id, 0)))
        .unwrap()
        .map(|r| r.result)
        .collect();
    assert_eq!(got, [10, 20], "as many as were left, in order");
    assert!(mock.is_complete());
    assert_eq!(
        mock.send_and_receive([RecordRequest(4, 0)])
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn more_requests_than_expected_fail_the_test() {
    let mock = SenderAndReceiverMock::<Meter, RecordRequest>::new_with_expected_requests(
        vec![RecordRequest(1, 5)],
        vec![RecordResponse { id: 1, result: 5 }],
    );
    let message = panic_message(|| {
        let _ = mock.send_and_receive([RecordRequest(1, 5), RecordRequest(1, 6)]);
    });
    assert!(
        message.contains("count of expected [1] less than actual requests [2]"),
        "{message}"
    );
    // The expected request is still there: the mock is not poisoned by the failure.
    assert!(mock.send_and_receive_once(RecordRequest(1, 5)).is_ok());
}

#[test]
fn expected_requests_and_responses_must_pair_up() {
    let message = panic_message(|| {
        SenderAndReceiverMock::<Meter, RecordRequest>::new_with_expected_requests(
            vec![],
            vec![RecordResponse { id: 1, result: 5 }],
        );
    });
    assert!(
        message.contains("number of requests do not match number of responses"),
        "{message}"
    );
}

#[test]
fn an_empty_call_counts_as_a_call() {
    let mock = SenderAndReceiverMock::<Meter, RecordRequest>::default();
    assert!(!mock.was_called());
    assert_eq!(
        mock.send_and_receive(Vec::<RecordRequest>::new())
            .unwrap()
            .count(),
        0
    );
    assert!(mock.was_called());
    assert!(mock.is_complete());
}

/// Compiles only if the mock's `Debug` asks nothing of the item or the request type.
fn debug_of_any<P: PoolItem, T: RequestWithResponse<P>>(
    mock: &SenderAndReceiverMock<P, T>,
) -> String {
    format!("{mock:?}")
}

#[test]
fn debug_shows_the_counts_and_needs_no_bounds() {
    let mock = mock_for(3, 12);
    mock.send_and_receive_once(MeterInit(3)).unwrap();
    let shown = debug_of_any(&mock);
    assert!(shown.contains("expected_left: Some(2)"), "{shown}");
    assert!(shown.contains("responses_left: 2"), "{shown}");
    assert!(shown.contains("called: true"), "{shown}");
    let unchecked = SenderAndReceiverMock::<Meter, RecordRequest>::new(vec![]);
    assert!(debug_of_any(&unchecked).contains("expected_left: None"));
}

#[test]
fn the_mock_crosses_threads_whatever_its_request_type() {
    send_sync::<SenderAndReceiverMock<Meter>>();
    send_sync::<SenderAndReceiverMock<Meter, RecordRequest>>();
    send_sync::<SenderAndReceiverMock<Meter, spindle_pool::compat::ThreadRequestResponse<Meter>>>();
    // Shared by reference with another thread, as a child pool held in an `Arc` is.
    let mock = mock_for(3, 12);
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(open_and_record(&mock, 3), 12));
    });
    mock.assert_is_complete();
}
