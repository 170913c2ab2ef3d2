//! A field a PATCH may set to a value, clear with `null`, or leave alone by omitting it:
//! `Option<Option<T>>` with `#[serde(default, with = "crate::nullable")]`. Omitted stays `None`
//! (serde's default); `null` becomes `Some(None)`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn serialize<T: Serialize, S: Serializer>(
    value: &Option<Option<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(inner) => inner.serialize(s),
        None => s.serialize_none(),
    }
}

pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use crate::UpdateChatRequest;

    #[test]
    fn omitted_null_and_a_value_are_three_different_requests() {
        let omitted: UpdateChatRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(omitted.retention_days, None);
        let cleared: UpdateChatRequest =
            serde_json::from_str(r#"{"retention_days":null}"#).unwrap();
        assert_eq!(cleared.retention_days, Some(None));
        let set: UpdateChatRequest = serde_json::from_str(r#"{"retention_days":30}"#).unwrap();
        assert_eq!(set.retention_days, Some(Some(30)));
        for request in [omitted, cleared, set] {
            let again: UpdateChatRequest =
                serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
            assert_eq!(again, request);
        }
        assert!(serde_json::from_str::<UpdateChatRequest>(r#"{"retention_days":-1}"#).is_err());
    }
}
