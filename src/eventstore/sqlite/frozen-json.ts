/**
 * JSON.parse with every object and array of the result frozen. The SQLite
 * store hands one parsed event of its in-memory tail to every subscription
 * that reads it (the projections, the live hub): frozen, no reader can change
 * what another sees.
 */
export function parseFrozen(text: string): unknown {
  return freezeDeep(JSON.parse(text));
}

function freezeDeep(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeDeep(value[i]);
  } else {
    for (const key in value) freezeDeep((value as Record<string, unknown>)[key]);
  }
  return value;
}
