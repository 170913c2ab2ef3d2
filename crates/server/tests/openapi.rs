//! `docs/openapi.json`, served at `GET /api/openapi.json`, against the live server: the document
//! lists exactly the server's routes, every listed route answers (a protected one with 401, not
//! 404/405), every `$ref` resolves, and the real responses of a walk through the API match the
//! documented status codes and schemas. Longer than 400 lines on purpose: the walk is one
//! story through every route, in order, whose steps depend on the ones before.

mod common;

use std::collections::BTreeSet;

use chat_protocol::{Chat, ClientCommand};
use common::events::{deleted, new_message, reaction, reply};
use common::schema::{check_schema, deref};
use common::{Api, Backend, TEST_PASSWORD, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Every API route the server serves: method, path template, and whether it needs a bearer
/// token (the server's own table, `src/http/table.rs`, has these and `/api/docs`' page and
/// files, which are not API). Adding a route means adding it here and to `docs/openapi.json`.
const ROUTES: &[(&str, &str, bool)] = &[
    ("GET", "/healthz", false),
    ("GET", "/readyz", false),
    ("GET", "/metrics", false),
    ("GET", "/api/openapi.json", false),
    ("POST", "/api/auth/register", false),
    ("POST", "/api/auth/login", false),
    ("POST", "/api/auth/refresh", false),
    ("POST", "/api/auth/logout", true),
    ("GET", "/api/me", true),
    ("DELETE", "/api/me", true),
    ("POST", "/api/me/password", true),
    ("GET", "/api/me/export", true),
    ("GET", "/api/users", true),
    ("GET", "/api/contacts", true),
    ("POST", "/api/contacts", true),
    ("DELETE", "/api/contacts/{user_id}", true),
    ("GET", "/api/chats", true),
    ("POST", "/api/chats", true),
    ("GET", "/api/chats/{id}", true),
    ("PATCH", "/api/chats/{id}", true),
    ("POST", "/api/chats/{id}/members", true),
    ("DELETE", "/api/chats/{id}/members/{user_id}", true),
    ("PATCH", "/api/chats/{id}/members/{user_id}", true),
    ("GET", "/api/chats/{id}/messages", true),
    ("POST", "/api/chats/{id}/join", true),
    ("POST", "/api/chats/{id}/invites", true),
    ("GET", "/api/chats/{id}/invites", true),
    ("DELETE", "/api/chats/{id}/invites/{token}", true),
    ("POST", "/api/invites/{token}/accept", true),
    ("GET", "/api/rooms", true),
    ("GET", "/api/search", true),
    ("GET", "/api/sessions", true),
    ("DELETE", "/api/sessions/{id}", true),
    ("GET", "/api/blocks", true),
    ("POST", "/api/blocks", true),
    ("DELETE", "/api/blocks/{user_id}", true),
    ("POST", "/api/uploads", true),
    ("GET", "/api/files/{id}/{variant}", false),
    ("GET", "/api/push/key", false),
    ("POST", "/api/push/subscriptions", true),
    ("DELETE", "/api/push/subscriptions", true),
    ("GET", "/ws", true),
];

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn fill(template: &str) -> String {
    template
        .replace("{user_id}", &Uuid::new_v4().to_string())
        .replace("{id}", &Uuid::new_v4().to_string())
        .replace("{token}", &Uuid::new_v4().simple().to_string())
        .replace("{variant}", "original")
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("path item is an object");
            item.keys()
                .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn operation<'a>(doc: &'a Value, method: &str, template: &str) -> &'a Value {
    let op = &doc["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    op
}

fn collect_refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    out.push((at.to_owned(), child.as_str().unwrap_or("").to_owned()));
                } else {
                    collect_refs(child, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Asserts that `status` is documented for the operation and `body` matches its schema.
fn conforms(doc: &Value, method: &str, template: &str, status: StatusCode, body: &Value) {
    let op = operation(doc, method, template);
    let code = status.as_str();
    let Some(response) = op["responses"].get(code) else {
        panic!("{method} {template} answered {status}, which the document does not list: {body}");
    };
    let response = deref(doc, response);
    match response["content"].get("application/json") {
        Some(media) => {
            let mut errors = Vec::new();
            check_schema(doc, &media["schema"], body, "body", &mut errors);
            assert!(
                errors.is_empty(),
                "{method} {template} {status}: body does not match the schema: {errors:#?}\n{body}"
            );
        }
        None => assert!(
            body.is_null(),
            "{method} {template} {status}: documented without a JSON body, got {body}"
        ),
    }
}

/// A client whose every answer is checked against the document.
struct Checked<'a> {
    doc: &'a Value,
    api: Api,
}

impl Checked<'_> {
    fn with_token(&self, token: Option<&str>) -> Self {
        Self {
            doc: self.doc,
            api: self.api.with_token(token),
        }
    }

    /// Calls `method template` at `path` (the template, variables filled in) and checks the
    /// answer; returns it for further asserts.
    async fn call(
        &self,
        method: Method,
        template: &str,
        path: impl AsRef<str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, value) = self
            .api
            .call(method.clone(), path.as_ref(), body.as_ref())
            .await;
        conforms(self.doc, method.as_str(), template, status, &value);
        (status, value)
    }

    async fn get(&self, template: &str, path: impl AsRef<str>) -> (StatusCode, Value) {
        self.call(Method::GET, template, path, None).await
    }

    /// POST to a path without variables.
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, path, Some(body)).await
    }

    async fn delete(&self, template: &str, path: impl AsRef<str>) -> StatusCode {
        self.call(Method::DELETE, template, path, None).await.0
    }

    /// Sends a raw body (malformed-input cases) and checks the answer.
    async fn raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> StatusCode {
        let (status, value) = self.api.raw(Method::POST, path, content_type, body).await;
        conforms(self.doc, "POST", path, status, &value);
        status
    }
}

/// A plain GET (a served file is not JSON).
async fn http_get(server: &TestServer, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .expect("request")
}

/// `PATCH /api/chats/{id}/members/{user_id}`: makes `who` an admin of the group, or not.
async fn appoint(
    api: &Checked<'_>,
    chat_path: &str,
    who: &str,
    admin: Value,
) -> (StatusCode, Value) {
    api.call(
        Method::PATCH,
        "/api/chats/{id}/members/{user_id}",
        format!("{chat_path}/members/{who}"),
        Some(json!({ "admin": admin })),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_matches_the_server() {
    let server = TestServer::start(Backend::Sqlite).await;
    let http = reqwest::Client::new();

    let resp = http
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .expect("fetch openapi.json");
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let doc: Value = serde_json::from_str(&resp.text().await.unwrap()).expect("valid JSON");
    let on_disk: Value =
        serde_json::from_str(include_str!("../../../docs/openapi.json")).expect("file is JSON");
    assert_eq!(doc, on_disk, "the server serves docs/openapi.json as is");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "OpenAPI 3.1.x: {}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    // Exactly the server's routes.
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed.len(), ROUTES.len(), "ROUTES has duplicates");
    let documented = documented_routes(&doc);
    assert_eq!(
        documented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
    assert_eq!(
        listed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );

    // Every $ref resolves.
    let mut refs = Vec::new();
    collect_refs(&doc, "", &mut refs);
    assert!(!refs.is_empty());
    for (at, target) in &refs {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: $ref {target:?} is not local"));
        assert!(
            doc.pointer(pointer).is_some(),
            "{at}: $ref {target} does not resolve"
        );
    }

    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    let bearer = schemes
        .iter()
        .find(|(_, s)| s["type"] == "http" && s["scheme"] == "bearer")
        .map(|(name, s)| {
            assert_eq!(s["bearerFormat"], "JWT");
            name.clone()
        })
        .expect("an HTTP bearer (JWT) security scheme");

    for (method, template, protected) in ROUTES {
        let op = operation(&doc, method, template);
        assert!(op["operationId"].is_string(), "{method} {template}");

        // Security: the bearer scheme on protected routes, none on the others.
        let security = op.get("security").unwrap_or(&doc["security"]);
        let requirements = security.as_array().expect("security is a list");
        if *protected {
            assert!(
                !requirements.is_empty()
                    && requirements.iter().any(|r| r.get(&bearer).is_some())
                    && requirements
                        .iter()
                        .all(|r| !r.as_object().unwrap().is_empty()),
                "{method} {template} must require {bearer}: {security}"
            );
            assert!(
                op["responses"].get("401").is_some(),
                "{method} {template} documents 401"
            );
        } else {
            assert!(
                requirements.is_empty(),
                "{method} {template} is public: {security}"
            );
        }

        // Path parameters: each template variable is a required parameter, a UUID but for an
        // invite's `token` (an opaque string).
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(
                doc["paths"][template]["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten(),
            )
            .map(|p| deref(&doc, p))
            .collect();
        let vars: Vec<&str> = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for var in &vars {
            let param = params
                .iter()
                .find(|p| p["in"] == "path" && p["name"] == *var)
                .unwrap_or_else(|| panic!("{method} {template}: no path parameter {var}"));
            assert_eq!(param["required"], true, "{method} {template} {var}");
            let (key, want) = match *var {
                "token" | "variant" => ("type", "string"),
                _ => ("format", "uuid"),
            };
            assert_eq!(
                deref(&doc, &param["schema"])[key],
                want,
                "{method} {template} {var}"
            );
        }
        for param in params.iter().filter(|p| p["in"] == "path") {
            assert!(
                vars.contains(&param["name"].as_str().unwrap()),
                "{method} {template}: stray path parameter {param}"
            );
        }

        // The route exists on the live server.
        let path = fill(template);
        let anonymous = server.client();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        if *protected {
            let (status, body) = anonymous.call(method.clone(), &path, None::<&()>).await;
            common::assert_error(status, &body, 401, "unauthorized");
            conforms(&doc, method.as_str(), template, status, &body);
        } else {
            let probe = match *template {
                "/api/auth/register" => Some(json!({"username": "x", "password": TEST_PASSWORD})),
                "/api/auth/login" => {
                    Some(json!({"username": "nobody-here", "password": "nope12345"}))
                }
                "/api/auth/refresh" => Some(json!({"refresh_token": "not-a-token"})),
                _ => None,
            };
            let expected = match *template {
                "/api/auth/register" => 422,
                // No valid signature: the same 404 as for a file that does not exist.
                "/api/files/{id}/{variant}" => 404,
                "/api/auth/login" | "/api/auth/refresh" => 401,
                _ => 200,
            };
            let resp = http
                .request(method.clone(), format!("{}{path}", server.base))
                .json(&probe)
                .send()
                .await
                .expect("request");
            let status = resp.status();
            let is_text = resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text");
            let text = resp.text().await.unwrap();
            assert_eq!(status.as_u16(), expected, "{method} {template}: {text}");
            if is_text {
                let op = operation(&doc, method.as_str(), template);
                assert!(
                    op["responses"]["200"]["content"]["application/openmetrics-text"].is_object(),
                    "{method} {template} answers OpenMetrics text"
                );
                assert!(text.contains("# TYPE "), "Prometheus text: {text}");
            } else {
                let body: Value = serde_json::from_str(&text).expect("JSON");
                conforms(&doc, method.as_str(), template, status, &body);
            }
        }
    }

    // No other method answers on a listed path: unlisted methods get 404 or 405, never 401 or a
    // success, so ROUTES (and with it the document) holds every route.
    let templates: BTreeSet<&str> = ROUTES.iter().map(|(_, p, _)| *p).collect();
    for template in templates {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if listed.contains(&(method.to_owned(), template.to_owned())) {
                continue;
            }
            let resp = http
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{}", server.base, fill(template)),
                )
                .json(&json!({}))
                .send()
                .await
                .expect("request");
            // 405 with `Allow` naming exactly the listed methods of this path (RFC 9110).
            let status = resp.status().as_u16();
            assert_eq!(status, 405, "{method} {template}: an undocumented route?");
            let allow: BTreeSet<&str> = resp.headers()["allow"]
                .to_str()
                .unwrap()
                .split(", ")
                .collect();
            let want: BTreeSet<&str> = ROUTES
                .iter()
                .filter(|(_, p, _)| *p == template)
                .map(|(m, _, _)| *m)
                .collect();
            assert_eq!(allow, want, "{method} {template}: Allow");
        }
    }
}

/// A walk through the API whose every answer, success or error, must be a documented status
/// with a body matching the documented schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_match_the_documented_schemas() {
    // One user makes some 45 REST writes in about a second, close to the default burst (5 × 10).
    let server = TestServer::start_with(Backend::Sqlite, &[("REST_WRITE_RATE_LIMIT", "0")]).await;
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).unwrap();
    let anon = Checked {
        doc: &doc,
        api: server.client(),
    };
    let tag = &Uuid::new_v4().simple().to_string()[..8];

    // Auth.
    let name = format!("Oa{tag}");
    let creds = json!({"username": name, "password": TEST_PASSWORD});
    let register = "/api/auth/register";
    let (_, auth) = anon.post(register, creds.clone()).await;
    let reg = |body| anon.post(register, body);
    assert_eq!(reg(creds.clone()).await.0, StatusCode::CONFLICT);
    assert_eq!(
        reg(json!({"username": "bad name", "password": TEST_PASSWORD}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        reg(json!({"username": format!("ok{tag}"), "password": "short"}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        reg(json!({"username": format!("ok{tag}"), "password": TEST_PASSWORD, "x": 1}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let json_type = "application/json";
    assert_eq!(
        anon.raw(register, json_type, b"{\"user".to_vec()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        anon.raw(register, "text/plain", creds.to_string().into_bytes())
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let huge = json!({"username": "x".repeat(70 * 1024), "password": TEST_PASSWORD});
    assert_eq!(
        anon.raw(register, json_type, huge.to_string().into_bytes())
            .await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let (status, login) = anon.post("/api/auth/login", creds.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let wrong = json!({"username": name, "password": "wrong-password"});
    let (status, _) = anon.post("/api/auth/login", wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let spent = login["refresh_token"].clone();
    let refresh = |token: &Value| anon.post("/api/auth/refresh", json!({"refresh_token": token}));
    let (status, refreshed) = refresh(&spent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refresh(&spent).await.0, StatusCode::UNAUTHORIZED, "reuse");

    let me = anon.with_token(auth["access_token"].as_str());
    let me_id = auth["user"]["id"].as_str().unwrap().to_owned();
    let (status, _) = me.get("/api/me", "/api/me").await;
    assert_eq!(status, StatusCode::OK);

    // Users and contacts.
    let (bob_api, bob) = server.user(&format!("ob{tag}")).await;
    let (carol_api, carol) = server.user(&format!("oc{tag}")).await;
    let (dave_api, dave) = server.user(&format!("od{tag}")).await;
    let checked = |api| Checked { doc: &doc, api };
    let (as_bob, as_carol, as_dave) = (checked(bob_api), checked(carol_api), checked(dave_api));
    let (status, found) = me
        .get("/api/users", format!("/api/users?search=ob{tag}"))
        .await;
    assert_eq!(
        (status, found.as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (status, _) = me.get("/api/users", "/api/users?search=a&search=b").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let contacts = |body: Value| me.post("/api/contacts", body);
    assert_eq!(
        contacts(json!({"username": bob.user.username})).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        contacts(json!({"username": bob.user.username})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        contacts(json!({"username": name})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        contacts(json!({"username": "nobody-at-all"})).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, list) = me.get("/api/contacts", "/api/contacts").await;
    assert_eq!(
        (status, list.as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let contact = "/api/contacts/{user_id}";
    let remove_contact = format!("/api/contacts/{}", bob.user.id);
    assert_eq!(
        me.delete(contact, &remove_contact).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        me.delete(contact, &remove_contact).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        me.delete(contact, "/api/contacts/not-a-uuid").await,
        StatusCode::NOT_FOUND
    );

    let (status, _) = me.get("/api/users", "/api/users?search=%20").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a prefix is required"
    );

    // Sessions and blocks.
    let (status, sessions) = me.get("/api/sessions", "/api/sessions").await;
    let current = sessions.as_array().unwrap().iter();
    let current = current.filter(|s| s["current"] == json!(true)).count();
    assert_eq!((status, current), (StatusCode::OK, 1));
    let session = "/api/sessions/{id}";
    assert_eq!(
        me.delete(session, &format!("/api/sessions/{}", Uuid::new_v4()))
            .await,
        StatusCode::NOT_FOUND
    );
    let block = |body: Value| me.post("/api/blocks", body);
    assert_eq!(
        block(json!({"username": dave.user.username})).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        block(json!({"username": name})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        block(json!({"username": "nobody-at-all"})).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, list) = me.get("/api/blocks", "/api/blocks").await;
    assert_eq!(
        (status, list.as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let unblock = format!("/api/blocks/{}", dave.user.id);
    assert_eq!(
        me.delete("/api/blocks/{user_id}", &unblock).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        me.delete("/api/blocks/{user_id}", &unblock).await,
        StatusCode::NOT_FOUND
    );

    // Chats.
    let create = |body: Value| me.post("/api/chats", body);
    let direct_body = json!({"members": [bob.user.username]});
    let (status, direct) = create(direct_body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(create(direct_body).await.0, StatusCode::OK);
    let (status, group) =
        create(json!({"members": [bob.user.username, carol.user.username], "name": " team "}))
            .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        create(json!({"members": [bob.user.username, carol.user.username]}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        create(json!({"members": [bob.user.username], "name": "   "}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        create(json!({"members": []})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        create(json!({"members": [name]})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        create(json!({"members": ["nobody-at-all"]})).await.0,
        StatusCode::NOT_FOUND
    );
    let group: Chat = serde_json::from_value(group).unwrap();
    let direct: Chat = serde_json::from_value(direct).unwrap();

    // Messages, sent over the WebSocket: a plain one, an edited one, a deleted one.
    let mut socket = server.socket(auth["access_token"].as_str().unwrap()).await;
    for content in ["hello", "to be edited", "to be deleted"] {
        socket.send_message(group.id, content).await;
    }
    let mut ids = Vec::new();
    while ids.len() < 3 {
        ids.push(socket.wait_for(new_message).await.id);
    }
    socket
        .send(&ClientCommand::EditMessage {
            message_id: ids[1],
            content: "edited".into(),
        })
        .await;
    socket
        .send(&ClientCommand::DeleteMessage { message_id: ids[2] })
        .await;
    socket.wait_for(deleted).await;

    let (status, chats) = me.get("/api/chats", "/api/chats").await;
    assert_eq!(
        (status, chats.as_array().unwrap().len()),
        (StatusCode::OK, 2)
    );
    let chat_path = format!("/api/chats/{}", group.id);
    let (status, _) = me.get("/api/chats/{id}", &chat_path).await;
    assert_eq!(status, StatusCode::OK);
    let stranger = format!("/api/chats/{}", Uuid::new_v4());
    let (status, _) = me.get("/api/chats/{id}", &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let history = "/api/chats/{id}/messages";
    let (status, page) = me.get(history, format!("{chat_path}/messages")).await;
    assert_eq!(status, StatusCode::OK);
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert!(messages[1]["edited_at"].is_string());
    assert_eq!(
        (
            messages[2]["deleted"].clone(),
            messages[2]["content"].clone()
        ),
        (json!(true), json!(""))
    );
    let (status, page) = me
        .get(history, format!("{chat_path}/messages?after_seq=1&limit=1"))
        .await;
    assert_eq!(
        (status, page["has_more"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, page) = me
        .get(history, format!("{chat_path}/messages?after_version=0"))
        .await;
    assert_eq!(
        (status, page["messages"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3))
    );
    for bad in [
        "limit=0",
        "limit=101",
        "before_seq=-1",
        "after_seq=x",
        "cursor=3",
        "after_version=1&after_seq=1",
        "after_version=-1",
    ] {
        let (status, _) = me.get(history, format!("{chat_path}/messages?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (status, _) = me.get(history, format!("{stranger}/messages")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Replies, reactions and mentions (over the WebSocket), as REST shows them.
    let mention = format!("@{} hello again", bob.user.username);
    socket.send(&reply(group.id, &mention, ids[0])).await;
    let answer = socket.wait_for(new_message).await;
    assert_eq!(answer.reply_to.as_ref().map(|r| r.id), Some(ids[0]));
    assert_eq!(answer.mentions, vec![bob.user.id]);
    socket
        .send(&reply(group.id, "about the deleted one", ids[2]))
        .await;
    let quoted = socket
        .wait_for(new_message)
        .await
        .reply_to
        .expect("reply_to");
    assert!(quoted.deleted && quoted.excerpt.is_empty(), "{quoted:?}");
    socket
        .send(&ClientCommand::React {
            message_id: ids[0],
            emoji: "👍".into(),
            on: true,
        })
        .await;
    let (reacted, emoji, _, on, _) = socket.wait_for(reaction).await;
    assert_eq!((reacted, emoji.as_str(), on), (ids[0], "👍", true));
    let (status, page) = me.get(history, format!("{chat_path}/messages")).await;
    let messages = page["messages"].as_array().unwrap();
    assert_eq!((status, messages.len()), (StatusCode::OK, 5));
    assert_eq!(
        messages[0]["reactions"],
        json!([{"emoji": "👍", "user_ids": [me_id]}])
    );
    assert_eq!(messages[3]["reply_to"]["id"], json!(ids[0]));
    assert_eq!(messages[3]["mentions"], json!([bob.user.id]));
    assert_eq!(messages[4]["reply_to"]["deleted"], json!(true));
    let (status, seen) = as_bob.get("/api/chats/{id}", &chat_path).await;
    assert_eq!(
        (status, seen["unread_mentions"].clone()),
        (StatusCode::OK, json!(1))
    );

    // Public rooms: create, rename, find, join.
    let lobby_name = format!("Lobby {tag}");
    let (status, lobby) = create(json!({"members": [], "name": lobby_name, "public": true})).await;
    assert_eq!(
        (status, lobby["public"].clone()),
        (StatusCode::CREATED, json!(true))
    );
    let lobby_path = format!("/api/chats/{}", lobby["id"].as_str().unwrap());
    let update =
        |path: String, body: Value| me.call(Method::PATCH, "/api/chats/{id}", path, Some(body));
    let renamed = format!("{lobby_name} 100%");
    let (status, lobby) = update(lobby_path.clone(), json!({"name": renamed})).await;
    assert_eq!(
        (status, lobby["name"].clone(), lobby["public"].clone()),
        (StatusCode::OK, json!(renamed), json!(true))
    );
    for (path, body) in [
        (format!("/api/chats/{}", direct.id), json!({"public": true})),
        (lobby_path.clone(), json!({"name": "   "})),
        (lobby_path.clone(), json!({"topic": "lunch"})),
    ] {
        let (status, _) = update(path, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (status, _) = update(stranger.clone(), json!({"public": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let rooms = |query: &str| as_carol.get("/api/rooms", format!("/api/rooms?{query}"));
    let (status, found) = rooms(&format!("search=LOBBY%20{tag}")).await;
    let found = found.as_array().unwrap();
    assert_eq!((status, found.len()), (StatusCode::OK, 1));
    assert_eq!(
        (found[0]["name"].clone(), found[0]["member_count"].clone()),
        (json!(renamed), json!(1))
    );
    let (status, _) = rooms("").await;
    assert_eq!(status, StatusCode::OK);
    for bad in [
        "search=a%07b".to_owned(),
        format!("search={}", "x".repeat(101)),
        "search=a&search=b".to_owned(),
    ] {
        let (status, _) = rooms(&bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    let join = "/api/chats/{id}/join";
    let join_lobby = format!("{lobby_path}/join");
    let (status, joined) = as_carol.call(Method::POST, join, &join_lobby, None).await;
    assert_eq!(
        (status, joined["members"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(2))
    );
    let (status, _) = as_carol.call(Method::POST, join, &join_lobby, None).await;
    assert_eq!(status, StatusCode::OK, "joining twice is fine");
    for hidden in [
        format!("{chat_path}/join"),
        format!("/api/chats/{}/join", direct.id),
        format!("{stranger}/join"),
    ] {
        let (status, _) = as_dave.call(Method::POST, join, &hidden, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");
    }

    // Invite links: make, list, accept, use up, revoke.
    let (status, club) = create(json!({"members": [carol.user.username], "name": "club"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let club_invites = format!("/api/chats/{}/invites", club["id"].as_str().unwrap());
    let invites = "/api/chats/{id}/invites";
    let invite =
        |path: &str, body: Value| me.call(Method::POST, invites, path.to_owned(), Some(body));
    let (status, once) = invite(&club_invites, json!({"max_uses": 1})).await;
    assert_eq!(
        (status, once["uses"].clone(), once["expires_at"].clone()),
        (StatusCode::CREATED, json!(0), Value::Null)
    );
    let (status, daily) = invite(&club_invites, json!({"expires_in_secs": 86_400})).await;
    assert_eq!(
        (
            status,
            daily["max_uses"].clone(),
            daily["expires_at"].is_string()
        ),
        (StatusCode::CREATED, Value::Null, true)
    );
    let direct_invites = format!("/api/chats/{}/invites", direct.id);
    for (path, body) in [
        (&club_invites, json!({"expires_in_secs": 0})),
        (&club_invites, json!({"expires_in_secs": 31_536_001})),
        (&club_invites, json!({"max_uses": 0})),
        (&club_invites, json!({"max_uses": 100_001})),
        (&direct_invites, json!({})),
    ] {
        let (status, _) = invite(path, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}");
    }
    let (status, _) = invite(&format!("{stranger}/invites"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, live) = me.get(invites, &club_invites).await;
    assert_eq!(
        (status, live.as_array().map(Vec::len)),
        (StatusCode::OK, Some(2))
    );
    let (status, _) = as_dave.get(invites, &club_invites).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "members only");

    let accept = "/api/invites/{token}/accept";
    let accept_path =
        |invite: &Value| format!("/api/invites/{}/accept", invite["token"].as_str().unwrap());
    let (status, joined) = as_dave
        .call(Method::POST, accept, accept_path(&once), None)
        .await;
    assert_eq!(
        (status, joined["members"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3))
    );
    let (status, _) = as_bob
        .call(Method::POST, accept, accept_path(&once), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "used up");
    let (status, _) = as_bob
        .call(
            Method::POST,
            accept,
            "/api/invites/no-such-token/accept",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "unknown");
    let revoke = "/api/chats/{id}/invites/{token}";
    let daily_path = format!("{club_invites}/{}", daily["token"].as_str().unwrap());
    assert_eq!(me.delete(revoke, &daily_path).await, StatusCode::NO_CONTENT);
    assert_eq!(me.delete(revoke, &daily_path).await, StatusCode::NOT_FOUND);
    let (status, _) = as_bob
        .call(Method::POST, accept, accept_path(&daily), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked");

    // Search: newest first, paged by `before`; deleted and edited-away text never matches.
    let search = |query: &str| me.get("/api/search", format!("/api/search?{query}"));
    let (status, first) = search(&format!("q=HELLO&chat_id={}&limit=1", group.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["results"][0]["id"], json!(answer.id), "newest first");
    let next = first["next_before"].as_i64().expect("a second page");
    let (status, second) = search(&format!("q=hello&before={next}")).await;
    assert_eq!(
        (status, second["results"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    assert_eq!(
        (
            second["results"][0]["id"].clone(),
            second["next_before"].clone()
        ),
        (json!(ids[0]), Value::Null)
    );
    for nothing in [
        "q=to%20be".to_owned(),
        format!("q=hello&chat_id={}", Uuid::new_v4()),
    ] {
        let (status, found) = search(&nothing).await;
        assert_eq!(
            (status, found["results"].clone()),
            (StatusCode::OK, json!([])),
            "{nothing}"
        );
    }
    for bad in [
        "q=a".to_owned(),
        format!("q={}", "x".repeat(201)),
        "q=a%07b".to_owned(),
        "limit=5".to_owned(),
        "q=hello&limit=0".to_owned(),
        "q=hello&limit=51".to_owned(),
        "q=hello&chat_id=not-a-uuid".to_owned(),
        "q=hello&before=x".to_owned(),
        "q=hello&page=2".to_owned(),
    ] {
        let (status, _) = search(&bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Membership.
    let add = |path: String, username: &str| {
        me.call(
            Method::POST,
            "/api/chats/{id}/members",
            path,
            Some(json!({"username": username})),
        )
    };
    let (status, _) = add(format!("{chat_path}/members"), &dave.user.username).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = add(format!("{chat_path}/members"), &dave.user.username).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = add(
        format!("/api/chats/{}/members", direct.id),
        &dave.user.username,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = add(format!("{stranger}/members"), &dave.user.username).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let member = "/api/chats/{id}/members/{user_id}";
    let dave_path = format!("{chat_path}/members/{}", dave.user.id);
    assert_eq!(
        as_bob.delete(member, &dave_path).await,
        StatusCode::FORBIDDEN,
        "only admins remove others"
    );
    let (status, _) = appoint(&as_bob, &chat_path, &me_id, json!(false)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "bob is no admin");
    let (status, _) = appoint(&me, &chat_path, &me_id, json!(false)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the last admin");
    let (status, _) = appoint(&me, &chat_path, &me_id, json!("yes")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not a boolean");
    let (status, chat) = appoint(&me, &chat_path, &bob.user.id.to_string(), json!(true)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chat["admins"].as_array().map(Vec::len), Some(2));
    let (status, _) = appoint(&me, &chat_path, &Uuid::new_v4().to_string(), json!(true)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(me.delete(member, &dave_path).await, StatusCode::NO_CONTENT);
    assert_eq!(
        me.delete(member, format!("/api/chats/{}/members/{me_id}", direct.id))
            .await,
        StatusCode::FORBIDDEN,
        "direct chats cannot be left"
    );
    let leave = format!("{chat_path}/members/{me_id}");
    assert_eq!(me.delete(member, &leave).await, StatusCode::NO_CONTENT);
    assert_eq!(me.delete(member, &leave).await, StatusCode::NOT_FOUND);

    // Uploads: a file, attached to a message, as history shows it; its signed link.
    let (status, uploaded) = me
        .api
        .raw(
            Method::POST,
            "/api/uploads?name=notes.txt",
            "text/plain",
            b"notes".to_vec(),
        )
        .await;
    conforms(&doc, "POST", "/api/uploads", status, &uploaded);
    assert_eq!(status, StatusCode::CREATED);
    let upload_id: chat_protocol::UploadId =
        serde_json::from_value(uploaded["id"].clone()).expect("an upload id");
    let (status, refused) = me
        .api
        .raw(
            Method::POST,
            "/api/uploads?name=%01",
            "text/plain",
            b"x".to_vec(),
        )
        .await;
    conforms(&doc, "POST", "/api/uploads", status, &refused);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    socket
        .send(&ClientCommand::NewMessage {
            chat_id: direct.id,
            content: String::new(),
            client_id: Uuid::new_v4(),
            reply_to: None,
            attachments: vec![upload_id],
        })
        .await;
    let with_file = socket
        .wait_for(|e| new_message(e).filter(|m| !m.attachments.is_empty()))
        .await;
    assert_eq!(with_file.attachments.len(), 1);
    let direct_path = format!("/api/chats/{}", direct.id);
    let (status, page) = me.get(history, format!("{direct_path}/messages")).await;
    assert_eq!(status, StatusCode::OK);
    let url = page["messages"][0]["attachments"][0]["url"]
        .as_str()
        .expect("a signed url")
        .to_owned();
    let resp = http_get(&server, &url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "notes");
    let file = "/api/files/{id}/{variant}";
    let (status, _) = anon.get(file, url.replace("sig=", "sig=0")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Logout, then the operations endpoints.
    let (status, _) = me
        .post(
            "/api/auth/logout",
            json!({"refresh_token": refreshed["refresh_token"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        refresh(&refreshed["refresh_token"]).await.0,
        StatusCode::UNAUTHORIZED
    );
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        let (status, _) = anon.get(path, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}
