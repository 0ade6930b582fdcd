import t from 'tap';
import { operatorMetadata } from '../src/index.ts';

t.test("an operator's event: ids from the event id, no causation, the given actor, tenant and time", async (t) => {
  const id = '0b5b0a38-4a63-4f34-9d1b-2b7f0f3f7a01';
  t.same(
    operatorMetadata(
      id,
      { user_id: 'ops-anna', role: 'support' },
      { account_id: 7, site_id: 3, sector_id: null },
      '2024-05-01T10:00:00.000Z',
    ),
    {
      correlation_id: `support-cli-${id}`,
      causation_id: null,
      actor: { user_id: 'ops-anna', role: 'support' },
      tenant: { account_id: 7, site_id: 3, sector_id: null },
      request_id: `support-cli-${id}`,
      occurred_at: '2024-05-01T10:00:00.000Z',
      schema_version: 1,
    },
  );
});
