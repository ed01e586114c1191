//! The OpenAPI document as served: poem-openapi's, with what its derive macros
//! cannot say added, so the document matches what the API does. Request bodies
//! refuse unknown fields (`additionalProperties: false`), email fields are
//! `format: email`, and an answer with several content types for one status (the
//! export: CSV or XLSX) lists all of them.

use serde_json::{Value, json};

/// The finished document (JSON).
pub fn finish(spec: &str) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    // Every request body type is declared with `deny_unknown_fields`.
    let bodies: Vec<String> = document["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|operations| operations.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(|operation| operation["requestBody"]["content"].as_object())
        .flat_map(|content| content.values())
        .filter_map(|media| media["schema"]["$ref"].as_str())
        .filter_map(|reference| reference.rsplit('/').next())
        .map(str::to_owned)
        .collect();
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        for name in &bodies {
            if let Some(schema) = schemas.get_mut(name)
                && schema.get("additionalProperties").is_none()
            {
                schema["additionalProperties"] = Value::Bool(false);
            }
        }
        for schema in schemas.values_mut() {
            let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (name, property) in properties.iter_mut() {
                let is_email = name == "email" || name.ends_with("_email") || name == "recipient";
                if is_email && property["type"] == "string" {
                    property["format"] = json!("email");
                }
            }
        }
    }
    // The export answers CSV or XLSX with the same status.
    let export = document
        .pointer_mut("/paths/~1competitions~1{id}~1entries~1export/get/responses/200/content")
        .and_then(Value::as_object_mut);
    if let Some(content) = export {
        content
            .entry("text/csv; charset=utf-8")
            .or_insert_with(|| json!({ "schema": { "type": "string", "format": "binary" } }));
    }
    document.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_refuse_unknown_fields_and_emails_are_marked() {
        let spec = json!({
            "paths": { "/x": { "post": { "requestBody": { "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/Body" } } } } } } },
            "components": { "schemas": {
                "Body": { "type": "object", "properties": { "email": { "type": "string" } } },
                "Answer": { "type": "object", "properties": { "author_email": { "type": "string" } } }
            } }
        });
        let finished: Value = serde_json::from_str(&finish(&spec.to_string())).unwrap();
        let schemas = &finished["components"]["schemas"];
        assert_eq!(schemas["Body"]["additionalProperties"], false);
        assert!(schemas["Answer"].get("additionalProperties").is_none());
        assert_eq!(schemas["Body"]["properties"]["email"]["format"], "email");
        assert_eq!(
            schemas["Answer"]["properties"]["author_email"]["format"],
            "email"
        );
    }
}
