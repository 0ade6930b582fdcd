import type { JsonSchema } from './headers.ts';

/**
 * The compatibility gate: compares the JSON Schemas of the last released package (packages/contracts/
 * released/) with the current ones and lists every change an existing event type and version may not
 * make.
 *
 * The rule is "a released version only gains optional fields". Both directions matter: consumers
 * validate new messages with the released schema (so nothing may be removed, retyped, loosened or
 * widened), and the topics keep old messages that are replayed and re-driven under their original
 * version (so nothing may be narrowed, tightened or newly required). Annotations (title, description,
 * examples) may change freely. A change the gate refuses is made as a new schema_version of the type.
 */

export type BreakingKind =
  | 'removed-version'
  | 'removed-field'
  | 'retyped-field'
  | 'narrowed-enum'
  | 'widened-enum'
  | 'newly-required'
  | 'no-longer-required'
  | 'changed-constraint';

export interface BreakingChange {
  /** The schema file, e.g. `publisher.publishing_record.created.v1.json`. */
  schema: string;
  /** JSON pointer into the message, `/` for the whole value. */
  path: string;
  kind: BreakingKind;
  message: string;
}

/** Schemas by file name. */
export type SchemaSet = ReadonlyMap<string, JsonSchema>;

const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords compared structurally below; every other keyword is a constraint compared as a whole. */
const STRUCTURE = new Set(['type', 'properties', 'required', 'anyOf', 'oneOf', 'const', 'enum']);

/**
 * Every breaking change from `released` to `current` (empty: compatible).
 * @example
 * const problems = breakingChanges(readSchemaSet(RELEASED_DIR), currentSchemaSet());
 */
export function breakingChanges(released: SchemaSet, current: SchemaSet): BreakingChange[] {
  const out: BreakingChange[] = [];
  for (const [name, before] of released) {
    const after = current.get(name);
    if (!after) {
      out.push({ schema: name, path: '/', kind: 'removed-version', message: `${name} was released and is gone` });
      continue;
    }
    compareNode(name, '', before, after, out);
  }
  return out;
}

function compareNode(schema: string, path: string, before: JsonSchema, after: JsonSchema, out: BreakingChange[]) {
  const at = path || '/';
  const report = (kind: BreakingKind, message: string) =>
    out.push({ schema, path: at, kind, message: `${at}: ${message}` });

  const typeBefore = typeSummary(before);
  const typeAfter = typeSummary(after);
  if (typeBefore !== typeAfter) return report('retyped-field', `type ${typeBefore} became ${typeAfter}`);

  const valuesBefore = enumValues(before);
  const valuesAfter = enumValues(after);
  if (valuesBefore || valuesAfter) {
    if (!valuesBefore || !valuesAfter)
      return report('changed-constraint', 'a fixed set of values was added or removed');
    const removed = valuesBefore.filter((v) => !valuesAfter.includes(v));
    const added = valuesAfter.filter((v) => !valuesBefore.includes(v));
    if (removed.length > 0) report('narrowed-enum', `no longer allows ${removed.join(', ')}`);
    if (added.length > 0) report('widened-enum', `now also allows ${added.join(', ')}`);
    return;
  }

  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branchesBefore = schemaList(before[keyword]);
    const branchesAfter = schemaList(after[keyword]);
    // Same type summary, so the branches pair up by their own summaries.
    for (const b of branchesBefore) {
      const a = branchesAfter.find((x) => typeSummary(x) === typeSummary(b));
      if (a) compareNode(schema, path, b, a, out);
    }
  }

  compareObject(schema, path, before, after, out, report);

  const keywords = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const keyword of keywords) {
    if (ANNOTATIONS.has(keyword) || STRUCTURE.has(keyword)) continue;
    const b = stripAnnotations(before[keyword]);
    const a = stripAnnotations(after[keyword]);
    if (JSON.stringify(b) !== JSON.stringify(a)) {
      report(
        'changed-constraint',
        `${keyword} ${JSON.stringify(b) ?? '(none)'} became ${JSON.stringify(a) ?? '(none)'}`,
      );
    }
  }
}

function compareObject(
  schema: string,
  path: string,
  before: JsonSchema,
  after: JsonSchema,
  out: BreakingChange[],
  report: (kind: BreakingKind, message: string) => void,
) {
  const propsBefore = (before.properties ?? {}) as Record<string, JsonSchema>;
  const propsAfter = (after.properties ?? {}) as Record<string, JsonSchema>;
  const requiredBefore = new Set((before.required ?? []) as string[]);
  const requiredAfter = new Set((after.required ?? []) as string[]);
  for (const [key, b] of Object.entries(propsBefore)) {
    const a = propsAfter[key];
    if (!a) {
      out.push({
        schema,
        path: `${path}/${key}`,
        kind: 'removed-field',
        message: `${path}/${key}: the field was removed`,
      });
      continue;
    }
    compareNode(schema, `${path}/${key}`, b, a, out);
  }
  for (const key of requiredAfter) {
    if (!requiredBefore.has(key)) report('newly-required', `${key} is now required`);
  }
  for (const key of requiredBefore) {
    if (!requiredAfter.has(key) && key in propsAfter)
      report('no-longer-required', `${key} is no longer always present`);
  }
}

/** `string`, `integer`, `null|string`, … (branches of a union, sorted and deduplicated). */
function typeSummary(node: JsonSchema): string {
  const branches = schemaList(node.anyOf ?? node.oneOf);
  if (branches.length > 0) return [...new Set(branches.flatMap((b) => typeSummary(b).split('|')))].sort().join('|');
  if (Array.isArray(node.type)) return [...node.type].sort().join('|');
  if (typeof node.type === 'string') return node.type;
  if ('const' in node) return node.const === null ? 'null' : typeof node.const;
  return 'any';
}

/** The allowed values of a `const`, an `enum` or a union of them; undefined for any other schema. */
function enumValues(node: JsonSchema): string[] | undefined {
  if ('const' in node) return [JSON.stringify(node.const)];
  if (Array.isArray(node.enum)) return node.enum.map((v) => JSON.stringify(v));
  const branches = schemaList(node.anyOf ?? node.oneOf);
  if (branches.length === 0) return undefined;
  const values = branches.map(enumValues);
  return values.every((v) => v !== undefined) ? values.flat() : undefined;
}

function schemaList(value: unknown): JsonSchema[] {
  return Array.isArray(value) ? (value as JsonSchema[]) : [];
}

function stripAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAnnotations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !ANNOTATIONS.has(k))
      .map(([k, v]) => [k, stripAnnotations(v)]),
  );
}
