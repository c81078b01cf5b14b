// pg-copy-streams ships no types and @types/pg-copy-streams is not a dependency; this declares only
// the part of its API the COPY load uses (a `COPY … FROM STDIN` query that is a Writable).
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';

  export interface CopyStreamQuery extends Writable, Submittable {
    /** Rows the server reported for the finished COPY. */
    rowCount: number;
  }

  export function from(text: string): CopyStreamQuery;
}
