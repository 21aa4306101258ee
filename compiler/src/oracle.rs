//! The contract between the tables and an independent evaluator (an *oracle*).
//!
//! Rampart is proven by comparison: an evaluator that restates the semantics directly
//! from the documents' model (no tables, no bitmaps, no indexes) decides a stream of
//! requests, and the compiled tables must give the same answer to every one. Two
//! oracles exist — the property tests' reference evaluator over random worlds
//! (`compiler/tests/reference`) and the synthetic workload's evaluator
//! (`benches/src/workload.rs`) — and both implement [`Oracle`], so one comparison,
//! [`disagreements`], serves both, and both speak the request format of
//! `rampart check --batch` ([`JsonRequest`]), which `rampart serve` and `rampart test`
//! read too.

use rampart_runtime::Tables;

use rampart_runtime::json::request::JsonRequest;

/// An independent evaluator of the documents' semantics.
pub trait Oracle {
    /// The oracle's own description of one request.
    type Case;

    /// The request as the tables are asked it.
    fn request(&self, case: &Self::Case) -> JsonRequest;

    /// The oracle's decision.
    fn allowed(&self, case: &Self::Case) -> bool;

    /// What the oracle saw match (for a failure message); empty when it cannot say.
    fn matching(&self, _case: &Self::Case) -> Vec<String> {
        Vec::new()
    }
}

/// One request on which the tables and the oracle differ.
#[derive(Clone, Debug)]
pub struct Disagreement {
    /// Position of the case in the stream.
    pub index: usize,
    /// The request.
    pub request: JsonRequest,
    /// The oracle's decision.
    pub expected: bool,
    /// The tables' decision, or the error they returned (an error is always a
    /// disagreement: the oracle's requests name objects that exist).
    pub answered: Result<bool, String>,
    /// What the oracle saw match.
    pub matching: Vec<String>,
}

/// Asks the tables every case and returns those where they and the oracle differ.
pub fn disagreements<O: Oracle>(
    oracle: &O,
    tables: &Tables,
    cases: &[O::Case],
) -> Vec<Disagreement> {
    cases
        .iter()
        .enumerate()
        .filter_map(|(index, case)| {
            let request = oracle.request(case);
            let expected = oracle.allowed(case);
            let answered = request
                .to_request()
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    tables
                        .is_authorized(&r)
                        .map(|response| response.is_allowed())
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| format!("error: {e}"));
            (answered.as_ref() != Ok(&expected)).then(|| Disagreement {
                index,
                matching: oracle.matching(case),
                request,
                expected,
                answered,
            })
        })
        .collect()
}
