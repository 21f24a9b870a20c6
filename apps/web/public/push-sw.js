/* global self */
/* learnmesh web push service worker: shows communication's push payloads
   ({ notificationId, type, title, body, url, priority }) and opens the link on click. */
self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = { title: 'learnmesh', body: event.data ? event.data.text() : '' }
  }
  event.waitUntil(
    self.registration.showNotification(data.title || 'learnmesh', {
      body: data.body || '',
      tag: data.notificationId || undefined,
      data: { url: data.url || '/notifications' },
    }),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = new URL(event.notification.data?.url || '/notifications', self.location.origin)
  if (url.origin !== self.location.origin) return
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((wins) => {
      for (const w of wins) if ('focus' in w) return w.navigate(url.href).then((c) => c && c.focus())
      return self.clients.openWindow(url.href)
    }),
  )
})
