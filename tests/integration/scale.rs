//! The staff list, search and exports at a size where OFFSET, one parameter per
//! row or a read of every row would show: pages by keyset, search through the
//! full-text index, counts capped for searches, exports in batches.

use reqwest::StatusCode;

use crate::helpers::{berlin, with_smtp_at};

use crate::bulk;

/// The entry ids linked from a staff list page, in order.
fn listed(page: &str) -> Vec<i64> {
    page.split("href=\"/verwaltung/einreichungen/")
        .skip(1)
        .filter_map(|rest| rest.split(['?', '"']).next()?.parse().ok())
        .collect()
}

/// The value of `name=` in the first link that carries it.
fn link_with(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("&amp;{name}="))?;
    let start = page[..at].rfind("href=\"")? + "href=\"".len();
    let end = at + page[at..].find('"')?;
    Some(page[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn a_large_competition_pages_searches_and_exports_every_entry_once() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let big = app.competition_id("wir-lieben-gera").await;
    let other = app.competition_id("senioren-unabhaengigkeit").await;
    let (entries, accounts) = (1234usize, 300usize);
    bulk::seed(
        &app.state.db,
        &[big, other],
        0.9,
        entries,
        accounts,
        berlin("2020-08-01T09:00"),
    )
    .await;
    let in_big = 1110usize; // 90 % of them; entry n is the n-th of those
    app.assert_counts_kept().await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let list = format!("/verwaltung/wettbewerbe/{big}");

    // Walk forward from the first page to the last by the "next" links.
    let first = admin.get(&list).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("1110 Einreichungen gefunden"),
        "{}",
        first.body
    );
    assert!(
        !first.body.contains("rel=\"prev\""),
        "nothing before the first page"
    );
    let mut seen = listed(&first.body);
    assert_eq!(seen.len(), 50);
    let mut path = link_with(&first.body, "nach");
    let mut pages = 1;
    while let Some(next) = path {
        let page = admin.get(&next).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        assert!(page.body.contains("rel=\"prev\""), "{next}: a way back");
        seen.extend(listed(&page.body));
        path = link_with(&page.body, "nach");
        pages += 1;
    }
    assert_eq!(pages, 23, "1110 entries, 50 a page");
    assert_eq!(seen.len(), in_big, "every entry once");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "oldest first, none twice"
    );

    // The last page directly (the newest 50), then back by the "previous" link.
    let last = admin.get(&format!("{list}?ende=1")).await;
    assert_eq!(listed(&last.body), seen[1060..].to_vec());
    assert!(
        !last.body.contains("rel=\"next\""),
        "nothing after the last page"
    );
    let back = link_with(&last.body, "vor").expect("a previous page");
    let before = admin.get(&back).await;
    assert_eq!(listed(&before.body), seen[1010..1060].to_vec());
    assert!(before.body.contains("rel=\"next\""));

    // Search through the full-text index: a district, case and umlauts folded,
    // email addresses by their parts; counts capped at 1,000.
    let hits = |path: String| {
        let app = &app;
        async move {
            let (status, found) = app.admin_get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {found}");
            found
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["entry"]["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let api = format!("/api/competitions/{big}/entries");
    let district = hits(format!("{api}?q=bezirk123")).await;
    assert_eq!(district.len(), 2, "entries 123 and 623: {district:?}");
    // Few hits with the filters: both came on paper (every tenth, from 3).
    assert_eq!(
        hits(format!("{api}?q=bezirk123&source=paper")).await,
        district
    );
    assert!(
        hits(format!("{api}?q=bezirk123&source=online"))
            .await
            .is_empty()
    );
    assert!(
        hits(format!("{api}?q=bezirk123&status=withdrawn"))
            .await
            .is_empty()
    );
    let umlauts = hits(format!("{api}?q=SOLARB%C3%84NKE")).await;
    let expected = (0..in_big)
        .filter(|n| n % 12 == 0 || (n / 7) % 12 == 0)
        .count();
    assert_eq!(umlauts.len(), expected, "title or summary");
    let folded = hits(format!("{api}?q=solarbanke")).await;
    assert_eq!(folded.len(), expected, "ä found as a");
    // A search with more hits than a page is walked by the same links:
    // forwards from its first page, and back from its last.
    let search = format!("{list}?q=solarbanke");
    let (mut found, mut path) = (Vec::new(), Some(search.clone()));
    while let Some(next) = path {
        let page = admin.get(&next).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        found.extend(listed(&page.body));
        path = link_with(&page.body, "nach");
    }
    assert_eq!(found.len(), expected, "every hit once");
    assert!(found.windows(2).all(|w| w[0] < w[1]), "in order");
    let last = admin.get(&format!("{search}&ende=1")).await;
    let tail = listed(&last.body);
    let cut = found.len() - tail.len();
    assert_eq!(tail, found[cut..].to_vec());
    let back = link_with(&last.body, "vor").expect("a page before the last");
    let before = admin.get(&back).await;
    assert_eq!(listed(&before.body), found[cut - 50..cut].to_vec());
    assert!(before.body.contains("rel=\"prev\""), "and more before it");
    assert!(before.body.contains("rel=\"next\""));
    // A word of two letters is matched whole: `de` finds the addresses' `.de`,
    // not every word that begins with "de".
    let page = admin.get(&format!("{list}?q=de")).await;
    assert!(
        page.body.contains("Mehr als 200 Einreichungen gefunden"),
        "{}",
        page.body
    );
    // An address typed whole finds that address (not person170@…); a word
    // that ends what was typed also finds the words it begins.
    let by_email = hits(format!("{api}?q=person17%40example.de")).await;
    let expected = (0..in_big).filter(|n| n % accounts == 17).count();
    assert_eq!(by_email.len(), expected, "person17 only: {by_email:?}");
    let begun = hits(format!("{api}?q=person17%40exa")).await;
    assert_eq!(begun, by_email);
    let people = hits(format!("{api}?q=person17")).await;
    let expected = (0..in_big)
        .filter(|n| (n % accounts).to_string().starts_with("17"))
        .count();
    assert_eq!(people.len(), expected, "person17, person170…: {people:?}");
    assert!(hits(format!("{api}?q=xylophon")).await.is_empty());
    // A receipt number or Kennzahl exactly, as someone on the phone reads it out.
    assert_eq!(hits(format!("{api}?q=ge-bulk-0000123")).await.len(), 1);
    assert_eq!(hits(format!("{api}?q=000123")).await.len(), 1);
    let page = admin.get(&format!("{list}?q=example.de")).await;
    assert!(
        page.body.contains("Mehr als 200 Einreichungen gefunden"),
        "{}",
        page.body
    );
    let page = admin.get(&format!("{list}?q=bezirk123")).await;
    assert!(
        page.body.contains("2 Einreichungen gefunden"),
        "{}",
        page.body
    );
    assert_eq!(listed(&page.body).len(), 2);

    // The API hands the list out in keyset pages too.
    let (_, page) = app.admin_get(&format!("{api}?limit=1000")).await;
    let page = page.as_array().unwrap();
    assert_eq!(page.len(), 1000);
    let last_id = page[999]["entry"]["id"].as_i64().unwrap();
    let (_, rest) = app
        .admin_get(&format!("{api}?limit=1000&after={last_id}"))
        .await;
    assert_eq!(rest.as_array().unwrap().len(), 110);
    for bad in ["limit=0", "limit=1001", "after=x"] {
        let (status, problem) = app.admin_get(&format!("{api}?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
    }

    // Both exports carry every entry once, across many batches.
    let csv = admin.get(&format!("{list}/einreichungen.csv")).await.body;
    let ids: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(';').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, seen, "the CSV: every entry once, in order");
    let response = app
        .client
        .get(app.url(&format!(
            "/api/competitions/{big}/entries/export?format=xlsx"
        )))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let workbook = response.bytes().await.unwrap();
    let sheet = crate::entries::xlsx_part(&workbook, "xl/worksheets/sheet1.xml");
    assert_eq!(
        sheet.matches("<row ").count(),
        in_big + 1,
        "a header and every entry"
    );
    assert!(
        sheet.contains(&format!("<autoFilter ref=\"A1:N{}\"", in_big + 1)),
        "{}",
        &sheet[..600]
    );
}

#[tokio::test]
async fn a_busy_database_answers_503_with_retry_after_and_recovers() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = crate::helpers::TestApp::builder()
        .configure(|settings| {
            settings.database.max_connections = 2;
            settings.database.acquire_timeout_seconds = 1;
            settings.database.statement_timeout_seconds = 1;
        })
        .spawn()
        .await;
    let competition = app.competition_id("wir-lieben-gera").await;
    let list = format!("/api/competitions/{competition}/entries");
    let busy = |response: reqwest::Response| {
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "5");
    };
    let get = || {
        app.client
            .get(app.url(&list))
            .bearer_auth(app.token.as_deref().unwrap())
            .send()
    };

    // Every connection of the pool held elsewhere: the request waits a second
    // for one, then says the database is busy instead of queueing forever.
    let first = app.state.db.begin().await.unwrap();
    let second = app.state.db.begin().await.unwrap();
    busy(get().await.unwrap());
    drop((first, second));
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);

    // PostgreSQL: a statement that would wait longer than the statement timeout
    // (here behind a lock on the entries) is cancelled and its connection freed.
    if app.state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let other = sea_orm::Database::connect(app.state.settings.database.url.as_str())
            .await
            .unwrap();
        let lock = other.begin().await.unwrap();
        lock.execute_unprepared("LOCK TABLE entries IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
        busy(get().await.unwrap());
        lock.rollback().await.unwrap();
        assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    }
}

/// The href of the page's `rel="next"` link.
fn next_link(page: &str) -> Option<String> {
    let at = page.find("\" rel=\"next\"")?;
    let start = page[..at].rfind("href=\"")? + "href=\"".len();
    Some(page[start..at].replace("&amp;", "&").replace("&#x2F;", "/"))
}

#[tokio::test]
async fn a_juror_and_the_chair_page_through_a_large_jury() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let c = app.competition_id("schulklassen-smarte-projekte").await;
    bulk::seed(
        &app.state.db,
        &[c],
        1.0,
        110,
        40,
        berlin("2020-12-01T09:00"),
    )
    .await;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let scene = crate::jury::Scene {
        competition: c,
        entries: Vec::new(),
        entrant_tokens: Vec::new(),
    };
    crate::jury::seat_panel(&app, &scene).await;
    ideenwettbewerb::services::jury::criteria(&app.state.db, c)
        .await
        .unwrap();
    bulk::score_all(&app.state.db, c, app.state.now()).await;

    // The juror's queue, 50 at a time by Kennzahl, each entry once.
    let mut juror =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    let mut page = juror.get(&format!("/jury/wettbewerbe/{c}")).await.body;
    assert!(
        page.contains("Sie haben 110 von 110 Bewertungen abgegeben."),
        "{page}"
    );
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let prefix = format!("href=\"/jury/wettbewerbe/{c}/");
        let listed: Vec<String> = page
            .split(&prefix)
            .skip(1)
            .filter_map(|rest| {
                let kennzahl = rest.split(['?', '"']).next()?;
                kennzahl
                    .chars()
                    .all(|ch| ch.is_ascii_digit())
                    .then(|| kennzahl.to_owned())
            })
            .collect();
        assert!(listed.len() <= 50, "{} on one page", listed.len());
        seen.extend(listed);
        match next_link(&page) {
            Some(next) => page = juror.get(&next).await.body,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), &seen), (110, &sorted), "each once, in order");

    // The chair's ranking, 50 places a page, the round forms with them.
    let mut chair =
        crate::credentials::signed_in_browser(&app, &smtp, "ilse.ahorn@jury.example").await;
    let sitting = format!("/jury/wettbewerbe/{c}/sitzung");
    let first = chair.get(&sitting).await.body;
    assert!(first.contains("Seite 1 von 3 (je 50 Plätze)"), "{first}");
    assert!(first.contains("<tr>\n    <td>50</td>") && !first.contains("<tr>\n    <td>51</td>"));
    let last = chair.get(&format!("{sitting}?seite=3")).await.body;
    assert!(last.contains("Seite 3 von 3"), "{last}");
    assert!(last.contains("<tr>\n    <td>110</td>") && !last.contains("<tr>\n    <td>100</td>"));
    assert!(
        !last.contains("rel=\"next\""),
        "nothing after the last page"
    );
    // Past the end shows the last page rather than nothing.
    let beyond = chair.get(&format!("{sitting}?seite=9")).await.body;
    assert!(beyond.contains("Seite 3 von 3"), "{beyond}");
}
