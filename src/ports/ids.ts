import { randomUUID } from 'node:crypto';

/** New identifiers, passed in so that tests can predict them. */
export interface IdGenerator {
  newId(): string;
}

export const uuidGenerator: IdGenerator = { newId: () => randomUUID() };
