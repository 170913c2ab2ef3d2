//! Totals for operators (`chat-server admin stats`).

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::AnyConnection;
use crate::db::schema::{chats, messages, users};
use crate::error::AppResult;

pub(crate) struct Totals {
    pub(crate) users: i64,
    pub(crate) chats: i64,
    pub(crate) messages: i64,
    pub(crate) database_bytes: i64,
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

pub(crate) fn totals(conn: &mut AnyConnection) -> AppResult<Totals> {
    let users = users::table.count().get_result(conn)?;
    let chats = chats::table.count().get_result(conn)?;
    let messages = messages::table.count().get_result(conn)?;
    Ok(Totals {
        users,
        chats,
        messages,
        database_bytes: database_bytes(conn)?,
    })
}

/// The database's size on disk (for `/metrics` and `admin stats`): one cheap query.
pub(crate) fn database_bytes(conn: &mut AnyConnection) -> AppResult<i64> {
    let size_query = match conn {
        AnyConnection::Postgresql(_) => "SELECT pg_database_size(current_database()) AS bytes",
        AnyConnection::Sqlite(_) => {
            "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
        }
    };
    let size: Size = diesel::sql_query(size_query).get_result(conn)?;
    Ok(size.bytes)
}
