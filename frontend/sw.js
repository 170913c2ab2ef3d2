// The chat's service worker: Web Push only (no caching; the server sends the app's files with
// their own cache headers). The server pushes a direct message or a mention while no tab of
// the app is connected; the payload (decrypted by the browser) is the contract's PushNotice.
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function titleOf(notice) {
  const who = (notice.sender && notice.sender.username) || 'Someone';
  return notice.chat_name ? `${who} in ${notice.chat_name}` : who;
}

self.addEventListener('push', (event) => {
  let notice;
  try {
    notice = event.data.json();
  } catch (_) {
    return;
  }
  if (!notice || typeof notice.chat_id !== 'string') {
    return;
  }
  event.waitUntil(
    self.registration.showNotification(titleOf(notice), {
      body: typeof notice.text === 'string' ? notice.text : '',
      // One notification per chat: a newer message replaces the older one, and still alerts.
      tag: notice.chat_id,
      renotify: true,
      data: { chat_id: notice.chat_id },
    }),
  );
});

// A click opens the chat: in a tab of the app that is open (focused, and told which chat), or
// in a new one at the chat's address.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const chat = event.notification.data && event.notification.data.chat_id;
  const path = chat ? `/chats/${encodeURIComponent(chat)}` : '/';
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const mine = tabs.find((tab) => new URL(tab.url).origin === self.location.origin);
      if (mine) {
        await mine.focus();
        if (chat) {
          mine.postMessage({ type: 'open_chat', chat_id: chat });
        }
        return;
      }
      await self.clients.openWindow(path);
    })(),
  );
});
