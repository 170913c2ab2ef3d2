//! The diesel schema, one for both backends; the migrations under `migrations/{sqlite,postgres}`
//! must match it. Declarations only: no queries here.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        username_lower -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        user_agent -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contacts (owner_id, contact_id) {
        owner_id -> Text,
        contact_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chats (id) {
        id -> Text,
        kind -> Text,
        name -> Nullable<Text>,
        direct_key -> Nullable<Text>,
        created_at -> Timestamp,
        last_seq -> BigInt,
        last_activity_at -> Timestamp,
        blocked -> Bool,
        last_version -> BigInt,
        public -> Bool,
        retention_days -> Nullable<Integer>,
    }
}

diesel::table! {
    blocks (blocker_id, blocked_id) {
        blocker_id -> Text,
        blocked_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_members (chat_id, user_id) {
        chat_id -> Text,
        user_id -> Text,
        joined_at -> Timestamp,
        last_read_seq -> BigInt,
        admin -> Bool,
        muted -> Bool,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        chat_id -> Text,
        seq -> BigInt,
        sender_id -> Text,
        content -> Text,
        client_id -> Nullable<Text>,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted -> Bool,
        version -> BigInt,
        reply_to_id -> Nullable<BigInt>,
        system_event -> Nullable<Text>,
    }
}

diesel::table! {
    message_reactions (message_id, emoji, user_id) {
        message_id -> BigInt,
        user_id -> Text,
        emoji -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    message_mentions (message_id, user_id) {
        message_id -> BigInt,
        user_id -> Text,
        chat_id -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    chat_invites (token) {
        token -> Text,
        chat_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        max_uses -> Nullable<BigInt>,
        uses -> BigInt,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        owner_id -> Text,
        message_id -> Nullable<BigInt>,
        position -> Integer,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        thumbnail_type -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::table! {
    push_subscriptions (endpoint) {
        endpoint -> Text,
        session_id -> Text,
        user_id -> Text,
        p256dh -> Text,
        auth -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(push_subscriptions -> sessions (session_id));
diesel::joinable!(chat_members -> chats (chat_id));
diesel::joinable!(chat_members -> users (user_id));
diesel::joinable!(messages -> chats (chat_id));
diesel::joinable!(messages -> users (sender_id));
diesel::joinable!(message_reactions -> messages (message_id));
diesel::joinable!(message_mentions -> messages (message_id));
diesel::joinable!(chat_invites -> chats (chat_id));
diesel::joinable!(uploads -> messages (message_id));
diesel::joinable!(uploads -> users (owner_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    sessions,
    push_subscriptions,
    contacts,
    blocks,
    chats,
    chat_members,
    messages,
    message_reactions,
    message_mentions,
    chat_invites,
    uploads,
);
