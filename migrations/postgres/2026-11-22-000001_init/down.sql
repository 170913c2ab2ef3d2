DROP TABLE messages;
DROP TABLE chat_members;
DROP TABLE chats;
DROP TABLE contacts;
DROP TABLE refresh_tokens;
DROP TABLE users;
