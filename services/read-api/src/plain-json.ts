import type { FastifySerializerCompiler } from 'fastify';

/**
 * Speed trick, for the support reads whose answers are large and mostly free-form JSON (history
 * pages: up to 100 events, each with its payload, changes and the whole record after it; audit
 * pages; snapshots): they are serialized with `JSON.stringify` instead of the fast-json-stringify
 * serializer Fastify compiles from the response schema. For a 50-entry history page that serializer
 * took about three times `JSON.stringify`'s CPU: it resolves an `anyOf` branch per value (every
 * nullable field of a representation, and each entry's nullable `state`), and has no faster path
 * for payloads typed `unknown`.
 *
 * What it trades: the response schema documents the route (OpenAPI) but no longer shapes its output,
 * so nothing undeclared is stripped. The handlers build each answer field by field, typed by that
 * schema through the type provider, and tests check real answers against the schema
 * (`history.test.ts`, `audit-tenancy.test.ts`). Measure: `pnpm bench:audit`.
 * @example
 * fastify.get('/:id/history', { schema, ...plainJson }, handler)
 */
export const plainJson: { serializerCompiler: FastifySerializerCompiler<unknown> } = {
  serializerCompiler: () => (data) => JSON.stringify(data),
};
