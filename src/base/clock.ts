/** Time arrives in pure code as an argument; this is where io/ code gets it. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };
