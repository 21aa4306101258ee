//! The sidecar's errors: every refusal is a JSON body `{"error": {"code", "message", "help"?}}`
//! with a status that says whose fault it is; an unknown name is a 400 with its code,
//! never a denial and never a 500 without a body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rampart_runtime::json::strict::Problems;
use rampart_runtime::RequestError;

/// An API error.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    help: Option<String>,
}

impl ApiError {
    /// A malformed body or field (400 `malformed_request`).
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_request", message)
    }

    /// An error with its status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            help: None,
        }
    }

    /// With a line saying what to write instead.
    pub fn with_help(mut self, help: Option<String>) -> ApiError {
        self.help = help;
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The error as the `error` member of a JSON body: `{code, message, help?}`.
    pub fn json(&self) -> serde_json::Value {
        let mut out = serde_json::json!({"code": self.code, "message": self.message});
        if let (Some(help), Some(map)) = (&self.help, out.as_object_mut()) {
            map.insert("help".into(), serde_json::Value::String(help.clone()));
        }
        out
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> ApiError {
        let status = if e.code() == "inconsistent_tables" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, e.code(), e.to_string()).with_help(e.help().map(str::to_string))
    }
}

impl From<Problems> for ApiError {
    /// Every problem of a body that is not a request (400 `malformed_request`).
    fn from(problems: Problems) -> ApiError {
        ApiError::malformed(problems.message()).with_help(problems.help())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(serde_json::json!({"error": self.json()})),
        )
            .into_response();
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

/// Carried by error responses so that the metrics middleware can count them by code.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);
