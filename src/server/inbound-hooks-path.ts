/** `POST /hooks/<triggerId>`: the URL a trigger's callers post to. */
export const INBOUND_HOOKS_PREFIX = '/hooks/';

export const inboundHookUrl = (origin: string, triggerId: string): string =>
  `${origin.replace(/\/+$/, '')}${INBOUND_HOOKS_PREFIX}${encodeURIComponent(triggerId)}`;
