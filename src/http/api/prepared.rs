//! A JSON body serialised ahead of time (from a cached snapshot), documented in the
//! OpenAPI document exactly like `Json<T>`.

use std::marker::PhantomData;
use std::sync::Arc;

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;

pub struct PreparedJson<T> {
    body: Arc<str>,
    shape: PhantomData<fn() -> T>,
}

impl<T> PreparedJson<T> {
    /// `body` must be the JSON of a `T`.
    pub fn new(body: Arc<str>) -> Self {
        Self {
            body,
            shape: PhantomData,
        }
    }
}

impl<T: Type> Payload for PreparedJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> IntoResponse for PreparedJson<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(<Self as Payload>::CONTENT_TYPE)
            .body(self.body.to_string())
    }
}
