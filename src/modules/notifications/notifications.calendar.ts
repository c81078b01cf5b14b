/**
 * iCalendar (RFC 5545) invitations for email attachments, written by hand: one VEVENT, a handful
 * of properties, the three rules that matter (CRLF line ends, lines folded at 75 octets, TEXT
 * values escaped). A package would bring a dependency for about sixty lines (decision 0023).
 *
 * An invitation and its cancellation share the UID; the cancellation carries a higher SEQUENCE,
 * so calendar programs replace the event they already have instead of adding a second one.
 */

export interface CalendarEntry {
  /** Stable per thing invited to (`rental-42@host`): the same UID updates, a new one adds. */
  uid: string;
  /** 0 for the first invitation; each later change of the same UID is one more. */
  sequence: number;
  /** REQUEST: put it in the calendar; CANCEL: take it out. */
  method: 'REQUEST' | 'CANCEL';
  /** When this invitation was made (ISO instant). */
  stamp: string;
  startsAt: string;
  endsAt: string;
  summary: string;
  location?: string;
  description?: string;
  /** iTIP wants an organizer on REQUEST and CANCEL: the studio's name and the sender's address. */
  organizer?: { name: string; email: string };
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: string;
}

const LINE_OCTETS = 75;

/** TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds a content line into pieces of at most 75 octets (RFC 5545 3.1): each continuation starts
 * with one space, which counts. Never splits a UTF-8 character (Cyrillic is two octets each).
 */
export function foldLine(line: string): string {
  const pieces: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > LINE_OCTETS) {
      pieces.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  pieces.push(current);
  return pieces.join('\r\n');
}

/** `20261224T140000Z`: a UTC DATE-TIME, seconds kept, milliseconds dropped. */
export function utcDateTime(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** One VCALENDAR with one VEVENT, CRLF-terminated lines, folded. */
export function calendarText(entry: CalendarEntry): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Sbor//Hall rentals//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${entry.method}`,
    'BEGIN:VEVENT',
    `UID:${entry.uid}`,
    `SEQUENCE:${entry.sequence}`,
    `DTSTAMP:${utcDateTime(entry.stamp)}`,
    `DTSTART:${utcDateTime(entry.startsAt)}`,
    `DTEND:${utcDateTime(entry.endsAt)}`,
    `SUMMARY:${escapeText(entry.summary)}`,
    ...(entry.location ? [`LOCATION:${escapeText(entry.location)}`] : []),
    ...(entry.description ? [`DESCRIPTION:${escapeText(entry.description)}`] : []),
    // CN is a parameter value: quoted, and a quote cannot appear inside (RFC 5545 3.2).
    ...(entry.organizer
      ? [`ORGANIZER;CN="${entry.organizer.name.replace(/["\r\n]/g, '')}":mailto:${entry.organizer.email}`]
      : []),
    `STATUS:${entry.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** The email attachment: `text/calendar` with the method, so mail programs offer "add" or "remove". */
export function calendarAttachment(entry: CalendarEntry): Attachment {
  return {
    filename: entry.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
    contentType: `text/calendar; charset=utf-8; method=${entry.method}`,
    content: calendarText(entry),
  };
}
