//! A scripted browser for page tests: keeps cookies, sends Origin on POST like a
//! real browser, and does not follow redirects (so tests see them).

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use ideenwettbewerb::mail::sink::SmtpSink;
use mail_parser::MessageParser;

use crate::helpers::TestApp;

pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            app,
            client,
            cookies: BTreeMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        Page {
            status,
            body: response.text().await.unwrap(),
            location,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_from(path, fields, &self.app.address.clone())
            .await
    }

    /// A file upload form (multipart) with `fields` and one `file`.
    pub async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        content: Vec<u8>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(file_name.to_owned()),
        );
        let response = self
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .header("origin", self.app.address.clone())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// A form POST whose page was served by `origin`.
    pub async fn post_from(&mut self, path: &str, fields: &[(&str, &str)], origin: &str) -> Page {
        let response = self
            .client
            .post(self.app.url(path))
            .header(COOKIE, self.cookie_header())
            .header("origin", origin)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }
}

/// The value of `name` in a hidden form field of `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Asks for a link in `browser` and returns the token from the email.
pub async fn request_link(
    app: &TestApp,
    smtp: &SmtpSink,
    browser: &mut Browser<'_>,
    email: &str,
) -> String {
    let before = smtp.received().len();
    let page = browser
        .post("/anmelden", &[("email", email), ("lang", "de")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Prüfen Sie Ihr Postfach"));
    app.deliver().await;
    // Other mail of the same round (to administrators, an invitation to the same
    // address) may arrive before or after it: wait for the sign-in link itself.
    let link_in = |data: &[u8]| {
        let message = MessageParser::default().parse(data)?;
        let text = message.body_text(0)?.into_owned();
        let start = text.find("/anmelden/link?token=")? + "/anmelden/link?token=".len();
        Some(
            text[start..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>(),
        )
    };
    let mut expected = before + 1;
    loop {
        let mails = smtp
            .wait_for(expected, std::time::Duration::from_secs(10))
            .await;
        if let Some(token) = mails[before..]
            .iter()
            .rev()
            .filter(|mail| mail.to == [email.to_lowercase()])
            .find_map(|mail| link_in(&mail.data))
        {
            break token;
        }
        assert!(mails.len() >= expected, "no sign-in mail to {email}");
        expected = mails.len() + 1;
    }
}
