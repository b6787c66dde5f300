/** A JSON value: what event payloads hold (the domain does not depend on the store's own copy of this type). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
