import { describe, expect, it } from 'vitest';
import { calendarAttachment, calendarText, escapeText, foldLine, utcDateTime } from './notifications.calendar.ts';

const ENTRY = {
  uid: 'rental-42@tickets.example',
  sequence: 0,
  method: 'REQUEST' as const,
  stamp: '2026-12-07T16:26:00.123Z',
  startsAt: '2026-12-24T14:00:00.000Z',
  endsAt: '2026-12-24T16:30:00.000Z',
  summary: 'Зал «Большой», студия «Свет»',
};

/** Undoes folding as a reader does (RFC 5545 3.1): a CRLF followed by one space or tab is removed. */
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '');

describe('an iCalendar invitation', () => {
  it('has CRLF line ends only, and every line within 75 octets', () => {
    const text = calendarText({ ...ENTRY, description: 'Очень длинное описание '.repeat(20) });
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
  });

  it('folds without splitting a two-octet character, and unfolds to the original line', () => {
    const line = `SUMMARY:${'щ'.repeat(100)}`;
    const folded = foldLine(line);
    expect(folded.split('\r\n').length).toBeGreaterThan(2);
    for (const piece of folded.split('\r\n')) {
      expect(Buffer.byteLength(piece, 'utf8')).toBeLessThanOrEqual(75);
      expect(piece).not.toContain('\uFFFD');
    }
    expect(unfold(folded)).toBe(line);
    expect(foldLine('SHORT:yes')).toBe('SHORT:yes');
  });

  it('escapes backslashes, semicolons, commas and line breaks in text', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    const text = unfold(calendarText({ ...ENTRY, location: 'Абая, 10; 2 этаж' }));
    expect(text).toContain('SUMMARY:Зал «Большой»\\, студия «Свет»\r\n');
    expect(text).toContain('LOCATION:Абая\\, 10\\; 2 этаж\r\n');
  });

  it('writes the times in UTC and the UID, sequence, method and status a calendar needs', () => {
    expect(utcDateTime('2026-12-24T14:00:00.000Z')).toBe('20261224T140000Z');
    const text = unfold(calendarText({ ...ENTRY, organizer: { name: 'Свет "studio"', email: 'no-reply@tickets.example' } }));
    const lines = text.split('\r\n');
    expect(lines.slice(0, 6)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Sbor//Hall rentals//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
    ]);
    expect(lines).toContain('UID:rental-42@tickets.example');
    expect(lines).toContain('SEQUENCE:0');
    expect(lines).toContain('DTSTAMP:20261207T162600Z');
    expect(lines).toContain('DTSTART:20261224T140000Z');
    expect(lines).toContain('DTEND:20261224T163000Z');
    expect(lines).toContain('ORGANIZER;CN="Свет studio":mailto:no-reply@tickets.example');
    expect(lines).toContain('STATUS:CONFIRMED');
    expect(lines).not.toContain(expect.stringMatching(/^LOCATION/));
    expect(lines.slice(-3)).toEqual(['END:VEVENT', 'END:VCALENDAR', '']);
  });

  it('cancels with the same UID, a higher sequence and METHOD:CANCEL', () => {
    const cancel = calendarAttachment({ ...ENTRY, method: 'CANCEL', sequence: 1 });
    expect(cancel.filename).toBe('cancel.ics');
    expect(cancel.contentType).toBe('text/calendar; charset=utf-8; method=CANCEL');
    const lines = unfold(cancel.content).split('\r\n');
    expect(lines).toContain('METHOD:CANCEL');
    expect(lines).toContain('UID:rental-42@tickets.example');
    expect(lines).toContain('SEQUENCE:1');
    expect(lines).toContain('STATUS:CANCELLED');
  });
});
