/**
 * Events and commands as emmett models them: a type tag and a payload. Event
 * payloads are stored as JSON, so they hold only JSON values (dates as ISO
 * strings); a key that may be left out is left out, never set to undefined.
 */
export type Event<Type extends string, Data> = { type: Type; data: Data };
export type Command<Type extends string, Data> = { type: Type; data: Data };

/**
 * An aggregate as three pure functions: `decide` turns a command and the
 * current state into new events (or throws a DomainError), `evolve` folds one
 * event into the state, `initialState` is the state of a stream with no events.
 */
export type Decider<C, E, S> = {
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
  initialState: () => S;
};

export function foldEvents<E, S>(
  decider: { evolve: (state: S, event: E) => S; initialState: () => S },
  events: Iterable<E>,
): S {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
