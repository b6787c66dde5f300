import { expect } from 'vitest';
import { foldEvents, type Decider } from '../../src/domain/decider.js';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors.js';

/**
 * given(events).when(command).then(events) for a decider. Every accepted
 * command is also checked for what storage needs: its events survive a JSON
 * round trip unchanged (no Dates, no undefined values) and fold into the same
 * state either way.
 */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return function given(history: E[]) {
    return {
      when(command: C) {
        const decide = () => decider.decide(command, foldEvents(decider, history));
        return {
          /** Asserts the events and returns the state after them. */
          then(expected: E[]): S {
            const actual = decide();
            expect(actual).toStrictEqual(expected);
            const stored = JSON.parse(JSON.stringify(actual)) as E[];
            expect(stored).toStrictEqual(actual);
            const state = foldEvents(decider, [...history, ...actual]);
            expect(foldEvents(decider, [...history, ...stored])).toStrictEqual(state);
            return state;
          },
          thenThrows(code: DomainErrorCode, field?: string): DomainError {
            let thrown: unknown;
            try {
              decide();
            } catch (error) {
              thrown = error;
            }
            expect(thrown, 'expected the command to be refused').toBeInstanceOf(DomainError);
            const error = thrown as DomainError;
            expect({ code: error.code, field: error.field }).toStrictEqual({ code, field });
            return error;
          },
        };
      },
    };
  };
}
