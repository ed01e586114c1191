//! The public vote on the whole programme through the real server and SMTP:
//! administrators pick a shortlist across competitions (only admitted ideas
//! of closed calls; fixed once ballots count); the public spreads its points
//! anonymously on `/abstimmung` with a confirmation link, separately from a
//! competition's own vote; parallel double clicks count once; staff void a
//! ballot on the page; the result waits for the close; and a database
//! holding competition votes from before keeps every ballot through the
//! migration that made votes belong to a competition or to the programme.

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::browser_session::{Browser, hidden};
use crate::entry_pages::wait_for_mail;
use crate::helpers::{TestApp, berlin, fresh_database, with_smtp_at};
use crate::jury::{ENTRANTS, school_entries, seated_panel};
use crate::vote::{admin, confirm, confirmation_token};

/// Two ideas for "Wir lieben Gera" (closes 2020-11-20), by adults.
const GERA_IDEAS: [(&str, &str); 2] = [
    (
        "hannelore.quendelmeier@example.de",
        "Lichterweg an der Weißen Elster",
    ),
    (
        "friedbert.xanthopoulos@example.de",
        "Tauschregal im Stadtteil",
    ),
];

async fn gera_ideas(app: &TestApp) -> (i64, Vec<i64>) {
    let gera = app.competition_id("wir-lieben-gera").await;
    let mut ids = Vec::new();
    for (email, title) in GERA_IDEAS {
        let token = app.entrant(email).await;
        let mut body = crate::entries::idea(title);
        body["contact_name"] = json!(email.split('@').next().unwrap());
        let (status, entry, _) = app
            .request(
                Method::POST,
                &format!("/api/competitions/{gera}/entries"),
                Some(body),
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{entry}");
        let id = entry["id"].as_i64().unwrap();
        let (status, submitted, _) = app
            .request(
                Method::POST,
                &format!("/api/entries/{id}/submit"),
                None,
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        ids.push(id);
    }
    (gera, ids)
}

async fn programme_ballot(app: &TestApp, p: i64, email: &str, choices: Value) -> StatusCode {
    let (status, body, _) = app
        .request(
            Method::POST,
            &format!("/api/programmes/{p}/vote/ballots"),
            Some(json!({ "email": email, "choices": choices })),
            None,
        )
        .await;
    assert!(status != StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    status
}

#[tokio::test]
async fn the_programme_votes_on_a_shortlist_across_competitions() {
    let (app, smtp) = with_smtp_at("2020-11-02T10:00").await;
    let (gera, gera_entries) = gera_ideas(&app).await;
    let scene = school_entries(&app).await; // 2020-12-01: "Wir lieben Gera" has closed
    let school = scene.competition;
    seated_panel(&app, &scene).await; // 2021-01-02: three school ideas admitted, one excluded
    let (status, admitted) = admin(
        &app,
        Method::POST,
        &format!("/api/competitions/{gera}/precheck/admit-rest"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{admitted}");
    let (_, competition) = app.admin_get(&format!("/api/competitions/{gera}")).await;
    let p = competition["programme_id"].as_i64().unwrap();
    let vote_path = format!("/api/programmes/{p}/vote");
    let excluded = *scene.entries.last().unwrap();
    let mut picked = gera_entries.clone();
    picked.extend(&scene.entries[..2]);
    let settings = |entries: &[i64], closes: &str| {
        json!({ "mode": "points", "points": 100, "max_per_entry": 60,
            "opens_at": "2021-01-03T08:00:00Z", "closes_at": closes, "entry_ids": entries })
    };

    // What the rules refuse changes nothing; only administrators set it up.
    for (entries, status) in [
        (vec![excluded], StatusCode::UNPROCESSABLE_ENTITY),
        (vec![], StatusCode::CONFLICT),
        (vec![999_999], StatusCode::NOT_FOUND),
    ] {
        let (answered, problem) = admin(
            &app,
            Method::PUT,
            &vote_path,
            Some(settings(&entries, "2021-01-10T22:59:00Z")),
        )
        .await;
        assert_eq!(answered, status, "{entries:?}: {problem}");
    }
    let (status, _, _) = app
        .request(
            Method::PUT,
            &vote_path,
            Some(settings(&picked, "2021-01-10T22:59:00Z")),
            Some(&scene.entrant_tokens[0]),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an entrant is no administrator"
    );
    assert_eq!(app.count("votes").await, 0);
    assert_eq!(app.count("vote_entries").await, 0);
    let (status, vote) = admin(
        &app,
        Method::PUT,
        &vote_path,
        Some(settings(&picked, "2021-01-10T22:59:00Z")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vote}");
    assert_eq!(
        (vote["programme_id"].as_i64(), vote["phase"].as_str()),
        (Some(p), Some("not_yet"))
    );
    let shortlist: Vec<(i64, String, String)> = vote["shortlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["competition_id"].as_i64().unwrap(),
                l["kennzahl"].as_str().unwrap().to_owned(),
                l["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(shortlist.len(), 4, "{vote}");
    assert_eq!(
        shortlist.iter().filter(|l| l.0 == gera).count(),
        2,
        "two competitions on one ballot"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'vote.configured' AND subject_type = 'programme'")
            .await,
        1
    );
    // The school competition may hold its own vote beside it.
    let (status, own) = admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{school}/vote"),
        Some(
            json!({ "mode": "single", "opens_at": "2021-01-03T08:00:00Z",
            "closes_at": "2021-01-10T22:59:00Z" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{own}");

    app.move_clock_to(berlin("2021-01-04T12:00")).await;
    let (_, home) = app.page("/").await;
    assert!(
        home.contains("Zur Publikumsabstimmung über das Programm"),
        "{home}"
    );
    let (status, page) = app.page("/abstimmung").await;
    assert_eq!(status, StatusCode::OK);
    for (_, _, title) in &shortlist {
        assert!(page.contains(title.as_str()), "{title} on the ballot");
    }
    assert!(
        page.contains("Alle, die Gera lieben"),
        "the competition is named"
    );
    let (_, public, _) = app.request(Method::GET, &vote_path, None, None).await;
    for text in [page.clone(), public.to_string()] {
        for (email, _) in GERA_IDEAS {
            assert!(
                !text.contains(email.split('@').next().unwrap()),
                "a name on the vote"
            );
        }
        for e in &ENTRANTS {
            for name in e.children.split(", ").chain([e.teacher, e.email, e.school]) {
                assert!(!text.contains(name), "{name} on the vote");
            }
        }
    }
    assert!(
        !page.contains(ENTRANTS[2].title),
        "not picked, not on the ballot"
    );

    // On the page: a field per idea of either competition; too many points
    // for one is refused with what was typed kept.
    let field = |l: &(i64, String, String)| format!("points_{}-{}", l.0, l.1);
    let mut voter = Browser::new(&app);
    let refused = voter
        .post(
            "/abstimmung",
            &[(&field(&shortlist[0]), "61"), ("email", "anna@example.de")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(&format!(
            "Idee {}: höchstens 60 Punkte pro Idee",
            shortlist[0].1
        )),
        "the Kennzahl as people see it: {}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="61""#));
    assert_eq!(app.count("ballots").await, 0);
    let sent = voter
        .post(
            "/abstimmung",
            &[
                (&field(&shortlist[0]), "60"),
                (&field(&shortlist[3]), "40"),
                ("email", "anna@example.de"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let mut seen = Vec::new();
    let token = confirmation_token(&app, &smtp, "anna@example.de", &mut seen).await;
    let mail = wait_for_mail(&smtp, "anna@example.de", "abstimmung/bestaetigen").await;
    assert!(
        mail.contains("60 Punkte") && mail.contains(&shortlist[0].2),
        "{mail}"
    );
    let (status, done) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["programme_id"].as_i64(), Some(p), "{done}");
    // The same address in the school's own vote: a ballot of its own.
    let (status, _, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{school}/vote/ballots"),
            Some(json!({ "email": "anna@example.de",
                "choices": [{ "kennzahl": shortlist[3].1, "points": 1 }] })),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let own_token = confirmation_token(&app, &smtp, "anna@example.de", &mut seen).await;
    assert_eq!(confirm(&app, &own_token).await.0, StatusCode::OK);
    assert_eq!(
        app.count("ballots WHERE email = 'anna@example.de'").await,
        2
    );

    // Through the API a choice names its competition; a Kennzahl alone is
    // not on this ballot.
    let choice = |l: &(i64, String, String), points: u32| json!({ "competition_id": l.0, "kennzahl": l.1, "points": points });
    assert_eq!(
        programme_ballot(
            &app,
            p,
            "ohne@example.de",
            json!([{ "kennzahl": shortlist[1].1, "points": 5 }])
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Many voters at once, each link clicked twice at the same moment.
    let voters: Vec<String> = (0..10).map(|i| format!("stimme{i}@example.de")).collect();
    let sends: Vec<_> = voters
        .iter()
        .map(|email| {
            let request = app
                .client
                .post(app.url(&format!("/api/programmes/{p}/vote/ballots")))
                .json(&json!({ "email": email, "choices": [choice(&shortlist[1], 10)] }));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::ACCEPTED);
    }
    let mut links = Vec::new();
    for email in &voters {
        links.push(confirmation_token(&app, &smtp, email, &mut seen).await);
    }
    let counted = crate::vote::click_twice_at_once(&app, &links)
        .await
        .into_iter()
        .filter(|s| *s == StatusCode::OK)
        .count();
    assert_eq!(counted, voters.len(), "each link counts once");

    // Ballots count now: the shortlist stays, the close may still move.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &vote_path,
        Some(settings(&picked[..3], "2021-01-10T22:59:00Z")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, moved) = admin(
        &app,
        Method::PUT,
        &vote_path,
        Some(settings(&picked, "2021-01-12T22:59:00Z")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");

    // Staff see the programme's vote on its page and void a ballot there.
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff.get("/verwaltung/abstimmung").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Gezählt: 11"), "{}", page.body);
    assert!(
        page.body.contains(r#"name="entry""#),
        "the shortlist picker"
    );
    assert!(page.body.contains("bis zum Ende der Abstimmung verborgen"));
    let placement = staff.get("/verwaltung/gesamtwertung").await;
    assert!(
        !placement.body.contains("Hinweis für die Gesamtwertung"),
        "no result before the close"
    );
    let (_, review) = admin(&app, Method::GET, &format!("{vote_path}/review"), None).await;
    let flagged = review["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["email"] == "s…@example.de")
        .and_then(|b| b["id"].as_i64())
        .unwrap_or_else(|| panic!("ten from one client address are flagged: {review}"));
    let csrf = hidden(&page.body, "csrf");
    let void_path = format!("/verwaltung/abstimmung/{flagged}/ungueltig");
    let refused = staff
        .post(&void_path, &[("csrf", &csrf), ("reason", "")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let voided = staff
        .post(
            &void_path,
            &[("csrf", &csrf), ("reason", "Serie von einem Anschluss")],
        )
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER, "{}", voided.body);
    // A ballot of the school's vote is not the programme's to void.
    let (_, own_review) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{school}/vote/review"),
        None,
    )
    .await;
    assert_eq!(own_review["counts"]["counted"], 1, "{own_review}");
    // Changing the shortlist on the page is refused in German, with what
    // was ticked kept.
    let page = staff.get("/verwaltung/abstimmung").await;
    let first = picked[0].to_string();
    let narrowed = staff
        .post(
            "/verwaltung/abstimmung",
            &[
                ("csrf", &csrf),
                ("mode", "points"),
                ("points", "100"),
                ("max_per_entry", "60"),
                ("opens", "2021-01-03T09:00"),
                ("closes", "2021-01-12T23:59"),
                ("entry", &first),
            ],
        )
        .await;
    assert_eq!(
        narrowed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        narrowed
            .body
            .contains("Auswahl der Ideen bleibt, wie sie ist"),
        "{}",
        narrowed.body
    );
    assert_eq!(app.count("vote_entries").await, 4, "nothing changed");

    // Hidden until the close; then the result across competitions.
    let (status, _) = admin(&app, Method::GET, &format!("{vote_path}/result"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.move_clock_to(berlin("2021-01-13T00:30")).await;
    assert_eq!(
        programme_ballot(
            &app,
            p,
            "spaet@example.de",
            json!([choice(&shortlist[1], 5)])
        )
        .await,
        StatusCode::CONFLICT
    );
    let (status, result) = admin(&app, Method::GET, &format!("{vote_path}/result"), None).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (
            result["counts"]["counted"].as_i64(),
            result["counts"]["voided"].as_i64()
        ),
        (Some(10), Some(1)),
        "{result}"
    );
    let points = |title: &str| {
        result["tally"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == title)
            .unwrap_or_else(|| panic!("{title}: {result}"))["points"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(points(&shortlist[0].2), 60);
    assert_eq!(points(&shortlist[1].2), 90, "nine of the ten still count");
    assert_eq!(points(&shortlist[3].2), 40);
    assert_eq!(result["tally"][0]["title"], shortlist[1].2.as_str());
    assert!(result["tally"][0]["competition"].is_string(), "{result}");
    // Days later the staff member signs in again.
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff.get("/verwaltung/abstimmung").await;
    assert!(page.body.contains("<td>90</td>"), "{}", page.body);
    // And beside the overall placement, which it does not change.
    let placement = staff.get("/verwaltung/gesamtwertung").await;
    assert_eq!(placement.status, StatusCode::OK);
    assert!(
        placement.body.contains("Hinweis für die Gesamtwertung")
            && placement.body.contains("<td>90</td>"),
        "{}",
        placement.body
    );
    assert_eq!(app.count("overall_awards").await, 0);
}

/// A database with a competition's vote and its ballots from before the
/// programme vote: the migration keeps every ballot, its id and its vote.
#[tokio::test]
async fn votes_from_before_keep_their_ballots_through_the_migration() {
    use ideenwettbewerb::entities::{ballot, vote};
    use migration::{Migrator, MigratorTrait};

    let (url, _dir) = fresh_database().await;
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, Some(29)).await.unwrap();
    let gera = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config/programmes/gera-smartcity.toml");
    ideenwettbewerb::services::seed::load_if_absent(&db, &gera, berlin("2020-05-01T10:00"))
        .await
        .unwrap();
    let backend = db.get_database_backend();
    let run = |sql: &str| Statement::from_string(backend, sql.to_owned());
    for sql in [
        "INSERT INTO votes (competition_id, mode, points, max_per_entry, opens_at, closes_at, updated_at) \
         SELECT id, 'points', 100, 30, '2021-01-03 08:00:00+00:00', '2021-01-10 22:59:00+00:00', \
         '2021-01-02 08:00:00+00:00' FROM competitions WHERE slug IN ('wir-lieben-gera', 'senioren-unabhaengigkeit')",
        "INSERT INTO ballots (competition_id, email, locale, choices, created_at, requested_at, confirmed_at) \
         SELECT id, 'anna@example.de', 'de', '{\"100001\":30}', '2021-01-04 08:00:00+00:00', \
         '2021-01-04 08:00:00+00:00', '2021-01-04 08:01:00+00:00' FROM competitions WHERE slug = 'wir-lieben-gera'",
        "INSERT INTO ballots (competition_id, email, locale, pending_choices, pending_token_hash, created_at, requested_at) \
         SELECT id, 'anna@example.de', 'de', '{\"100002\":5}', 'abc', '2021-01-04 08:00:00+00:00', \
         '2021-01-04 08:00:00+00:00' FROM competitions WHERE slug = 'senioren-unabhaengigkeit'",
    ] {
        db.execute_raw(run(sql))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    }
    // Which ballot belonged to which competition, before.
    let mut before = Vec::new();
    for row in db
        .query_all_raw(run("SELECT id, competition_id FROM ballots ORDER BY id"))
        .await
        .unwrap()
    {
        before.push((
            row.try_get::<i64>("", "id").unwrap(),
            row.try_get::<i64>("", "competition_id").unwrap(),
        ));
    }
    let [(gera_ballot, gera_competition), (seniors_ballot, seniors)] = before[..] else {
        panic!("{before:?}");
    };

    Migrator::up(&db, None).await.unwrap();
    let votes = vote::Entity::find().all(&db).await.unwrap();
    assert_eq!(votes.len(), 2);
    assert!(
        votes
            .iter()
            .all(|v| v.competition_id.is_some() && v.programme_id.is_none())
    );
    let ballots = ballot::Entity::find().all(&db).await.unwrap();
    let of = |id: i64| ballots.iter().find(|b| b.id == id).unwrap();
    let vote_of = |b: &ballot::Model| {
        votes
            .iter()
            .find(|v| v.id == b.vote_id)
            .unwrap()
            .competition_id
    };
    assert_eq!(ballots.len(), 2);
    assert_eq!(
        vote_of(of(gera_ballot)),
        Some(gera_competition),
        "each ballot stays with its vote"
    );
    assert_eq!(vote_of(of(seniors_ballot)), Some(seniors));
    assert_eq!(of(gera_ballot).choices.as_deref(), Some("{\"100001\":30}"));
    assert_eq!(
        of(seniors_ballot).pending_token_hash.as_deref(),
        Some("abc")
    );
    // New rows get new ids; one ballot per address and vote still holds;
    // a vote belongs to exactly one competition or programme.
    let first_vote = of(gera_ballot).vote_id;
    db.execute_raw(run(&format!(
        "INSERT INTO ballots (vote_id, email, locale, created_at, requested_at) \
         VALUES ({first_vote}, 'ben@example.de', 'de', '2021-01-05 08:00:00+00:00', '2021-01-05 08:00:00+00:00')"
    )))
    .await
    .unwrap();
    let newest = ballot::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .max();
    assert!(newest > Some(seniors_ballot), "{newest:?}");
    let twice = db
        .execute_raw(run(&format!(
            "INSERT INTO ballots (vote_id, email, locale, created_at, requested_at) \
             VALUES ({first_vote}, 'ben@example.de', 'de', '2021-01-05 08:00:00+00:00', '2021-01-05 08:00:00+00:00')"
        )))
        .await;
    assert!(twice.is_err(), "one ballot per address and vote");
    let neither = db
        .execute_raw(run(
            "INSERT INTO votes (mode, points, max_per_entry, opens_at, closes_at, updated_at) \
             VALUES ('single', 1, 1, '2021-01-03 08:00:00+00:00', '2021-01-10 22:59:00+00:00', '2021-01-02 08:00:00+00:00')",
        ))
        .await;
    assert!(
        neither.is_err(),
        "a vote belongs to a competition or the programme"
    );
    db.close().await.ok();
}
