interface MailboxItem {
  id: number;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  text: string;
  html: string | null;
  created_at: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain page listing the built-in mailbox; each email's HTML is shown in a sandboxed frame. */
export function renderMailboxPage(items: MailboxItem[]): string {
  const rows = items.map(
    (item) => `<article style="border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0">
<p><b>#${item.id}</b> · ${item.channel} · ${escapeHtml(item.created_at)} · to <b>${escapeHtml(item.recipient)}</b></p>
<h2 style="font-size: 1.1em">${escapeHtml(item.subject)}</h2>
<details><summary>text</summary><pre style="white-space: pre-wrap">${escapeHtml(item.text)}</pre></details>
${item.html ? `<details open><summary>html</summary><iframe sandbox srcdoc="${escapeHtml(item.html)}" style="width: 100%; height: 22em; border: 0"></iframe></details>` : ''}
</article>`,
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sbor mailbox</title></head>
<body style="font-family: sans-serif; max-width: 60em; margin: 1em auto">
<h1>Mailbox</h1><p>What would have been sent (no SMTP_URL / SMS_URL configured), newest first. API: <code>/api/mailbox</code>.</p>
${rows.join('\n') || '<p>Empty.</p>'}
</body></html>`;
}
