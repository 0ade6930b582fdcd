import { type Static, Type } from 'typebox';
import { PlatformId } from './common.ts';
import {
  DestinationConfigInput,
  DestinationName,
  PublishingRecordRepresentation,
  TargetAccountId,
} from './publishing-record.ts';

/** One destination of a root `POST publish`. */
export const PublishDestination = Type.Object(
  { destination: DestinationName, destination_config: Type.Optional(DestinationConfigInput) },
  { additionalProperties: false },
);

/** Root `POST publish`: one content to several destinations, one publishing record per destination. */
export const PublishBody = Type.Object(
  {
    account_id: Type.Optional(TargetAccountId),
    content_id: PlatformId,
    site_id: PlatformId,
    sector_id: PlatformId,
    destinations: Type.Array(PublishDestination, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBody>;

/** `data` of a root `POST publish`: the created records, in the order of `destinations`. */
export const PublishResult = Type.Object({ records: Type.Array(PublishingRecordRepresentation) });
export type PublishResult = Static<typeof PublishResult>;
