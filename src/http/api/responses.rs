//! The answers that are the same for many operations: a resource as it is now, a
//! resource just created, and nothing. What each operation does and returns is in
//! its own description.

use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use poem_openapi::types::{ToJSON, Type};

/// The answer of an operation that returns a resource (or a list of them).
#[derive(ApiResponse)]
pub enum Answer<T: ToJSON + Type + Send + Sync> {
    /// The resource as it is now.
    #[oai(status = 200)]
    Ok(Json<T>),
}

/// The answer of an operation that creates a resource.
#[derive(ApiResponse)]
pub enum Created<T: ToJSON + Type + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    New(Json<T>),
}

/// The answer of an operation that returns nothing.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}
