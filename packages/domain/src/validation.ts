import { hasVisibleCharacter, isUuid } from '@publisher/contracts';
import { DomainValidationError } from './errors.ts';

/**
 * Collects field errors for one command and throws them together, so a client sees every
 * problem at once. Only semantic checks live here; wire formats are the HTTP schemas' job.
 */
export class FieldChecks {
  private readonly errors: Record<string, string[]> = {};

  add(field: string, message: string): void {
    const messages = this.errors[field] ?? [];
    messages.push(message);
    this.errors[field] = messages;
  }

  nonEmpty(field: string, value: string): void {
    if (value.trim() === '') this.add(field, 'must not be empty');
  }

  /** A reason someone will read in a history: at least one visible character (`hasVisibleCharacter`). */
  reason(field: string, value: string): void {
    if (!hasVisibleCharacter(value)) this.add(field, 'must have a visible character');
  }

  positiveInteger(field: string, value: number): void {
    if (!Number.isSafeInteger(value) || value <= 0) this.add(field, 'must be a positive integer');
  }

  uuid(field: string, value: string): void {
    if (!isUuid(value)) this.add(field, 'must be a UUID');
  }

  plainObject(field: string, value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.add(field, 'must be an object');
  }

  throwIfAny(): void {
    if (Object.keys(this.errors).length > 0) throw new DomainValidationError(this.errors);
  }
}

/** Throws an exhaustiveness error; the `never` parameter makes a forgotten union member a compile error. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
