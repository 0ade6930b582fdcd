/** What a decider needs from outside besides the command and state: the time, decided by the caller. */
export interface DecideContext {
  /** ISO-8601 timestamp of the command; copied into the events' `at`, so deciders stay deterministic. */
  at: string;
}
