/** A rendered email. */
export interface RenderedEmail {
  subject: string
  text: string
  html: string
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** What every email is built from: paragraphs, an optional call to action, an optional footer line. */
export interface EmailContent {
  subject: string
  /** Greeting name (omitted when unknown). */
  name?: string | null
  paragraphs: string[]
  action?: { label: string; url: string } | null
  /** Extra lines (e.g. an expiry notice). */
  notes?: string[]
  /** Unsubscribe link for non-account emails. */
  unsubscribeUrl?: string | null
}

/**
 * Renders an email's text and HTML parts from plain-text content. Every value is escaped in the
 * HTML part; links are only the given action and unsubscribe URLs (http/https, checked).
 */
export function renderEmail(c: EmailContent, productName = 'learnmesh'): RenderedEmail {
  const safeUrl = (u: string) => (/^https?:\/\//.test(u) ? u : null)
  const action = c.action && safeUrl(c.action.url) ? c.action : null
  const unsubscribe = c.unsubscribeUrl && safeUrl(c.unsubscribeUrl) ? c.unsubscribeUrl : null
  const greeting = c.name ? `Hello ${c.name},` : 'Hello,'
  const text = [
    greeting,
    '',
    ...c.paragraphs.flatMap((p) => [p, '']),
    ...(action ? [`${action.label}: ${action.url}`, ''] : []),
    ...(c.notes ?? []).flatMap((n) => [n, '']),
    `— ${productName}`,
    ...(unsubscribe ? ['', `Unsubscribe: ${unsubscribe}`] : []),
  ].join('\n')
  const p = (s: string) => `<p style="margin:0 0 16px">${escapeHtml(s)}</p>`
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(c.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f5f6f8;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2330">',
    '<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">',
    `<p style="margin:0 0 24px;font-weight:700;font-size:18px">${escapeHtml(productName)}</p>`,
    p(greeting),
    ...c.paragraphs.map(p),
    action
      ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#2f5bea;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(action.label)}</a></p><p style="margin:0 0 16px;font-size:13px;color:#5a6275">Or open ${escapeHtml(action.url)}</p>`
      : '',
    ...(c.notes ?? []).map(
      (n) => `<p style="margin:0 0 16px;font-size:13px;color:#5a6275">${escapeHtml(n)}</p>`,
    ),
    '</div>',
    unsubscribe
      ? `<p style="text-align:center;font-size:12px;color:#5a6275"><a href="${escapeHtml(unsubscribe)}" style="color:#5a6275">Unsubscribe</a></p>`
      : '',
    '</body></html>',
  ].join('')
  return { subject: c.subject, text, html }
}

/** Formats minor units for people: `49.00 EUR`. */
export function formatMoney(amountMinor: number, currency: string): string {
  const zeroDecimal = ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF'].includes(currency)
  return zeroDecimal ? `${amountMinor} ${currency}` : `${(amountMinor / 100).toFixed(2)} ${currency}`
}
