import type { PublishingRecordRepresentation } from '@publisher/contracts';

/** Where the content ended up, as the destination says. */
export interface DeliveryResult {
  external_url: string;
  external_id: string | null;
  /**
   * What to record when `external_url` cannot be (not an http(s) URL, too long): an address the
   * record's own configuration names (the webhook's URL, the WordPress site). The destination took
   * the content, so the attempt is a success either way.
   */
  fallback_url: string;
}

/**
 * Delivers one publishing record to one kind of destination. `deliver` resolves with the external
 * URL/id, or throws a `DeliveryError` whose message is recorded on the record. It never retries on
 * its own: a retry is the user's `retry` command, so each attempt is visible in the history.
 */
export interface DestinationAdapter {
  /** The `destination` value this adapter serves (`webhook`, `wordpress`, …). */
  readonly name: string;
  deliver(record: PublishingRecordRepresentation, context: DeliveryContext): Promise<DeliveryResult>;
}

export interface DeliveryContext {
  /** 1-based attempt number (the record's `attempts` after `start`). */
  attempt: number;
  signal?: AbortSignal;
}
