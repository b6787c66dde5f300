import type { TriggerJson } from '../../domain/trigger/trigger-events.js';
import type { TriggerBody } from '../../domain/trigger/trigger-rules.js';

/** Deeper JSON is kept as text: every later step (storage, GraphQL, redaction) walks it recursively. */
const MAX_JSON_DEPTH = 64;

/** `application/json`, `application/cloudevents+json`, `text/json`, with any parameters. */
function saysJson(contentType: string | null): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');
}

function depthWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return false;
    for (const nested of Object.values(item)) stack.push([nested, depth + 1]);
  }
  return true;
}

/**
 * How a call's raw bytes are kept: parsed JSON when the content type says JSON
 * and the bytes parse (and are not absurdly deep), else text when they are
 * valid UTF-8, else base64. A call is never refused for its body's format.
 */
export function triggerBodyFrom(bytes: Buffer, contentType: string | null): TriggerBody {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { encoding: 'base64', value: bytes.toString('base64') };
  }
  if (saysJson(contentType) && text.trim() !== '') {
    try {
      const parsed = JSON.parse(text) as TriggerJson;
      if (depthWithin(parsed, MAX_JSON_DEPTH)) return { encoding: 'json', value: parsed };
    } catch {
      // not JSON after all: kept as the text it is
    }
  }
  return { encoding: 'text', value: text };
}
