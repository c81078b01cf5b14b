import { fullFormats } from 'ajv-formats/dist/formats.js';

/** The part of Ajv this needs; Fastify's compiler brings its own copy of the Ajv types. */
interface FormatRegistry {
  addFormat(name: string, format: { type: 'string'; validate: (text: string) => boolean }): unknown;
}

type Validated = { validate: (text: string) => boolean };

/** RFC 3339's grammar, as ajv-formats checks it (days per month included); both are objects at runtime. */
const grammar = {
  'date-time': (fullFormats['date-time'] as Validated).validate,
  date: (fullFormats.date as Validated).validate,
};

/**
 * `date-time` and `date` as the calendar and the database understand them. The grammar lets through
 * instants nothing can store: a leap second (`23:59:60Z`, which JavaScript's Date refuses) and year
 * 0000 (which PostgreSQL refuses). Both reached the database as invalid dates and came back as 500s;
 * here they are a 400 like any other malformed field.
 */
export function addCalendarFormats(ajv: FormatRegistry): void {
  for (const name of ['date-time', 'date'] as const) {
    ajv.addFormat(name, { type: 'string', validate: (text) => grammar[name](text) && storable(text) });
  }
}

function storable(text: string): boolean {
  return Number(text.slice(0, 4)) >= 1 && Number.isFinite(Date.parse(text));
}
