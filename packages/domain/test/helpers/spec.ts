import type { Test } from 'tap';
import type { DomainErrorCode } from '../../src/index.ts';
import { isDomainError } from '../../src/index.ts';

/** A decider as data, so one given/when/then helper serves both aggregates. */
export interface Decider<Command, State, Event> {
  decide: (command: Command, state: State, context: { at: string }) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: State;
}

type Asserts = Pick<Test, 'same' | 'fail' | 'equal'>;

export const AT = '2024-05-01T10:00:00.000Z';

/** Recursively freezes a value, so a decider that mutates its input throws instead of passing silently. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Emmett-style specification:
 * `given(t, pastEvents).when(command).then(expectedEvents | errorCode)`.
 * On success `then` returns the state after the new events; on an error code it returns the error.
 */
export function specFor<Command, State, Event>(decider: Decider<Command, State, Event>) {
  return function given(t: Asserts, events: Event[]) {
    const state = deepFreeze(events.reduce(decider.evolve, decider.initialState));
    return {
      state,
      when(command: Command, at: string = AT) {
        const run = (): Event[] => decider.decide(deepFreeze(command), state, { at });
        return {
          /** Checks only the produced event types (table-driven tests); full data is checked by `then`. */
          thenEventTypes(types: string[]): State {
            const produced = run();
            t.same(
              produced.map((e) => (e as { type: string }).type),
              types,
              'produced event types',
            );
            return produced.reduce(decider.evolve, state);
          },
          // biome-ignore lint/suspicious/noThenProperty: the given/when/then vocabulary is the point; the object is never awaited.
          then(expected: Event[] | DomainErrorCode): { state: State; error: unknown } {
            if (typeof expected === 'string') {
              try {
                const produced = run();
                t.fail(`expected ${expected}, got events ${JSON.stringify(produced)}`);
                return { state, error: undefined };
              } catch (err) {
                if (!isDomainError(err)) throw err;
                t.equal(err.code, expected, `error code ${expected}`);
                return { state, error: err };
              }
            }
            const produced = run();
            t.same(produced, expected, 'produced events');
            return { state: produced.reduce(decider.evolve, state), error: undefined };
          },
        };
      },
    };
  };
}
