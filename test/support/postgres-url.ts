/** The same server and credentials, another database. */
export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A connection to the maintenance database, for CREATE/DROP DATABASE. */
export function adminUrlFor(url: string): string {
  return databaseUrlFor(url, 'postgres');
}
