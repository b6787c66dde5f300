/**
 * Cursors of the Relay connections. A cursor is opaque to clients; one that
 * this API did not hand out is refused as bad input of `after`, never as an
 * internal error.
 */
export class InvalidCursor extends Error {
  override readonly name = 'InvalidCursor';
  readonly field = 'after';

  constructor() {
    super('after: not a cursor returned by this API');
  }
}

/** Rows listed by creation time, ties broken by id. */
export const createdAtIdCursor = {
  encode: (createdAt: string, id: string): string => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url'),

  decode(cursor: string): [createdAt: string, id: string] {
    try {
      const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as [string, string];
    } catch {
      // not JSON: refused below like any other foreign cursor
    }
    throw new InvalidCursor();
  },
};

/** Rows listed by a global log position. */
export const positionCursor = (prefix: string) => ({
  encode: (position: number): string => Buffer.from(`${prefix}:${position}`).toString('base64url'),

  decode(cursor: string): number {
    const match = new RegExp(`^${prefix}:(\\d{1,15})$`).exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!match) throw new InvalidCursor();
    return Number(match[1]);
  },
});
