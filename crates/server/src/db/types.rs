//! How typed values cross into SQL through [`AnyConnection`](super::AnyConnection). The ids and
//! chat kinds convert themselves for each native backend (the protocol crate's `diesel`
//! feature); here they learn to go through the runtime-dispatching backend as well, and the
//! client's idempotency key (a bare UUID on the wire) gets a column type of its own.

use chat_protocol::{ChatId, ChatKind, SessionId, UploadId, UserId};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use uuid::Uuid;

use super::MultiBackend;

macro_rules! text_through_any_backend {
    ($($typed:ty),*) => {$(
        impl ToSql<Text, MultiBackend> for $typed {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    )*};
}

text_through_any_backend!(UserId, ChatId, SessionId, UploadId, ChatKind, ClientKey);

/// A message's `client_id` as stored: the UUID the sender chose for idempotent retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct ClientKey(pub Uuid);

impl ToSql<Text, diesel::pg::Pg> for ClientKey {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        use std::io::Write;
        write!(out, "{}", self.0)?;
        Ok(IsNull::No)
    }
}

impl ToSql<Text, diesel::sqlite::Sqlite> for ClientKey {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.0.to_string());
        Ok(IsNull::No)
    }
}

impl<DB> FromSql<Text, DB> for ClientKey
where
    DB: diesel::backend::Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(raw: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(raw)?;
        Ok(Self(Uuid::parse_str(&text)?))
    }
}
