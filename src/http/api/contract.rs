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
/// of its methods expects as a JSON body, and its answers by status.
struct Path {
    segments: Vec<Option<String>>,
    /// The path parameters' names, in order (poem-openapi reports them as `param0`…).
    names: Vec<String>,
    methods: Vec<(Method, Option<Value>)>,
    answers: Vec<(Method, String, Value)>,
}

/// How strictly a value is held to its schema.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// A request: `null` stands for absent, unknown fields are the operation's
    /// business (most refuse them).
    Request,
    /// An answer: `null` only where the document says `nullable`, and no field the
    /// document does not list.
    Answer,
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
                let answers = operations
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(method, operation)| {
                        let method = Method::from_bytes(method.to_uppercase().as_bytes()).ok()?;
                        Some((method, operation["responses"].as_object()?.clone()))
                    })
                    .flat_map(|(method, responses)| {
                        responses.into_iter().filter_map(move |(status, answer)| {
                            let schema = answer["content"]
                                .as_object()?
                                .iter()
                                .find(|(kind, _)| kind.contains("json"))?
                                .1["schema"]
                                .clone();
                            Some((method.clone(), status, schema))
                        })
                    })
                    .collect();
                let names = template
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                    .map(str::to_owned)
                    .collect();
                paths.push(Path {
                    segments,
                    names,
                    methods,
                    answers,
                });
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

    /// What is wrong with an answer of `method path` with `status`, against the
    /// document: for tests that hold real answers to it.
    pub fn answer_problems(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        value: &Value,
    ) -> Vec<String> {
        let path = path.split('?').next().unwrap_or_default();
        let path = path.strip_prefix("/api").unwrap_or(path);
        let Some(found) = self.find(path) else {
            return vec![format!("{method} {path} is not in the document")];
        };
        let Some((_, _, schema)) = found
            .answers
            .iter()
            .find(|(m, s, _)| m == method && *s == status.to_string())
        else {
            return vec![format!("{method} {path} does not document status {status}")];
        };
        let mut problems = Vec::new();
        self.walk(value, schema, "", Strictness::Answer, &mut problems);
        problems
    }

    /// What is wrong with a request body `value` against `schema`.
    fn check(&self, value: &Value, schema: &Value, at: &str, problems: &mut Vec<String>) {
        self.walk(value, schema, at, Strictness::Request, problems);
    }

    /// What is wrong with `value` against `schema`, each naming the field.
    fn walk(
        &self,
        value: &Value,
        schema: &Value,
        at: &str,
        strictness: Strictness,
        problems: &mut Vec<String>,
    ) {
        let nullable = schema["nullable"].as_bool() == Some(true);
        let schema = self.resolve(schema);
        if let Some(parts) = schema["allOf"].as_array() {
            if value.is_null() && (nullable || schema["nullable"].as_bool() == Some(true)) {
                return;
            }
            for part in parts {
                self.walk(value, part, at, strictness, problems);
            }
            return;
        }
        let name = if at.is_empty() { "the body" } else { at };
        if value.is_null() {
            let declared = nullable || schema["nullable"].as_bool() == Some(true);
            if strictness == Strictness::Answer && !declared {
                problems.push(format!("`{name}` is null but not nullable"));
            }
            return;
        }
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
                    let missing = match strictness {
                        Strictness::Request => object.get(key).is_none_or(Value::is_null),
                        Strictness::Answer => object.get(key).is_none(),
                    };
                    if missing {
                        problems.push(format!("`{}` is required", field(key)));
                    }
                }
                let properties = schema["properties"].as_object();
                let extra = &schema["additionalProperties"];
                for (key, item) in object {
                    match properties.and_then(|p| p.get(key)) {
                        Some(property) => {
                            self.walk(item, property, &field(key), strictness, problems)
                        }
                        None if extra.is_object() => {
                            self.walk(item, extra, &field(key), strictness, problems)
                        }
                        None if strictness == Strictness::Answer
                            && properties.is_some()
                            && *extra != Value::Bool(true) =>
                        {
                            problems.push(format!("`{}` is not in the document", field(key)));
                        }
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{name}[{i}]");
                    self.walk(item, &schema["items"], &at, strictness, problems);
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
    let names = found.map(|p| p.names.clone()).unwrap_or_default();
    let mut response = match ep.call(req).await {
        Ok(response) => response.into_response(),
        // A path parameter is named as in the path, not by its position.
        Err(err)
            if err.status() == StatusCode::BAD_REQUEST
                && err.to_string().contains("path `param") =>
        {
            let mut message = err.to_string();
            for (i, name) in names.iter().enumerate() {
                message = message.replace(&format!("`param{i}`"), &format!("`{name}`"));
            }
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "bad-request",
                format!("{message}; use a whole number"),
            ));
        }
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
