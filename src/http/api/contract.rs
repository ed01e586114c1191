//! The API holds requests to its own OpenAPI document before they reach an
//! operation: a JSON body whose values have the wrong type is refused (poem-openapi
//! would turn the number 7545 into the text "7545", losing a postcode's leading
//! zero), a required field that is missing or `null` is named, and a path that does
//! not take the method answers 405 with the `Allow` header (RFC 9110).

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use poem_openapi::types::ToJSON;
use serde_json::Value;

use crate::http::problem::{CONTENT_TYPE, Problem};

/// One path of the document, its segments (`None` for a parameter) and what each
/// of its methods expects as a JSON body.
struct Path {
    segments: Vec<Option<String>>,
    methods: Vec<(Method, Option<Value>)>,
}

/// The operations of the API, read from its OpenAPI document.
pub struct Contract {
    paths: Vec<Path>,
    schemas: Value,
}

impl Contract {
    pub fn from_spec(spec: &str) -> Self {
        let document: Value = serde_json::from_str(spec).unwrap_or_default();
        let mut paths = Vec::new();
        if let Some(all) = document["paths"].as_object() {
            for (template, operations) in all {
                let segments = template
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = operations
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(method, operation)| {
                        let method = Method::from_bytes(method.to_uppercase().as_bytes()).ok()?;
                        let body = operation["requestBody"]["content"]
                            .as_object()
                            .and_then(|content| {
                                content
                                    .iter()
                                    .find(|(kind, _)| kind.starts_with("application/json"))
                            })
                            .map(|(_, media)| media["schema"].clone());
                        Some((method, body))
                    })
                    .collect();
                paths.push(Path { segments, methods });
            }
        }
        // A literal segment beats a parameter (`/me/tokens` before `/{id}/tokens`).
        paths.sort_by_key(|p| std::cmp::Reverse(p.segments.iter().flatten().count()));
        Self {
            paths,
            schemas: document["components"]["schemas"].clone(),
        }
    }

    fn find(&self, path: &str) -> Option<&Path> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.paths.iter().find(|p| {
            p.segments.len() == parts.len()
                && p.segments
                    .iter()
                    .zip(&parts)
                    .all(|(segment, part)| segment.as_deref().is_none_or(|s| s == *part))
        })
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                self.resolve(&self.schemas[name])
            }
            None => schema,
        }
    }

    /// What is wrong with `value` against `schema`, each naming the field.
    fn check(&self, value: &Value, schema: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(parts) = schema["allOf"].as_array() {
            for part in parts {
                self.check(value, part, at, problems);
            }
            return;
        }
        if value.is_null() {
            return;
        }
        let name = if at.is_empty() { "the body" } else { at };
        let expected = schema["type"].as_str().unwrap_or_default();
        let found = match value {
            Value::Bool(_) => "true or false",
            Value::Number(_) => "a number",
            Value::String(_) => "text",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
            Value::Null => "null",
        };
        let fits = match expected {
            "string" => value.is_string(),
            "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits {
            let wanted = match expected {
                "string" => "text (a string in quotes)",
                "integer" => "a whole number",
                "number" => "a number",
                "boolean" => "true or false",
                "array" => "a list",
                _ => "an object",
            };
            problems.push(format!("`{name}` must be {wanted}, not {found}"));
            return;
        }
        let field = |key: &str| {
            if at.is_empty() {
                key.to_owned()
            } else {
                format!("{at}.{key}")
            }
        };
        match value {
            Value::Object(object) => {
                for required in schema["required"].as_array().into_iter().flatten() {
                    let key = required.as_str().unwrap_or_default();
                    if object.get(key).is_none_or(Value::is_null) {
                        problems.push(format!("`{}` is required", field(key)));
                    }
                }
                let properties = schema["properties"].as_object();
                for (key, item) in object {
                    match properties.and_then(|p| p.get(key)) {
                        Some(property) => self.check(item, property, &field(key), problems),
                        None if schema["additionalProperties"].is_object() => {
                            self.check(item, &schema["additionalProperties"], &field(key), problems)
                        }
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check(item, &schema["items"], &format!("{name}[{i}]"), problems);
                }
            }
            _ => {}
        }
    }
}

fn problem(status: StatusCode, kind: &str, detail: String) -> Response {
    Response::builder()
        .status(status)
        .content_type(CONTENT_TYPE)
        .body(Problem::new(status, kind, detail).to_json_string())
}

/// Around the API: holds each request to the document (see the module).
pub async fn enforce<E: Endpoint>(
    ep: E,
    mut req: Request,
    contract: Arc<Contract>,
) -> poem::Result<Response> {
    let path = req.uri().path();
    let path = path.strip_prefix("/api").unwrap_or(path).to_owned();
    let found = contract.find(&path);
    let body_schema = found.and_then(|p| {
        p.methods
            .iter()
            .find(|(method, _)| method == req.method())
            .and_then(|(_, schema)| schema.clone())
    });
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut refused = None;
    if let (Some(schema), true) = (body_schema, is_json) {
        let bytes = req.take_body().into_bytes().await?;
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            let mut problems = Vec::new();
            if value.is_null() {
                problems.push("the body must be a JSON object, not null".to_owned());
            } else {
                contract.check(&value, &schema, "", &mut problems);
            }
            if !problems.is_empty() {
                refused = Some(format!(
                    "{}; see the schema at /api/docs",
                    problems.join("; ")
                ));
            }
        }
        // A refused body goes on unreadable: the operation still checks who is
        // asking first (401 and 403 come before 400), and can never run.
        req.set_body(if refused.is_some() {
            Body::from_string("{".to_owned())
        } else {
            Body::from(bytes)
        });
    }
    let allowed: Option<String> = found.map(|p| {
        p.methods
            .iter()
            .map(|(method, _)| method.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut response = match ep.call(req).await {
        Ok(response) => response.into_response(),
        Err(err)
            if err.status() == StatusCode::METHOD_NOT_ALLOWED
                || (refused.is_some() && err.status() == StatusCode::BAD_REQUEST) =>
        {
            crate::http::problem::from_poem_error(err).await
        }
        Err(err) => return Err(err),
    };
    if let Some(detail) = refused
        && response.status() == StatusCode::BAD_REQUEST
    {
        return Ok(problem(StatusCode::BAD_REQUEST, "bad-request", detail));
    }
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allowed) = allowed
        && let Ok(value) = HeaderValue::from_str(&allowed)
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}
