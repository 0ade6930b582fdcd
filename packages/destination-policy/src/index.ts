/**
 * @publisher/destination-policy — where the publishing worker may be pointed, checked the same way
 * by the command API (at input) and the worker (at delivery, after DNS resolution). See ../README.md.
 */
export { isCredentialName } from './credential-names.ts';
export { credentialProblem, destinationConfigProblems } from './destination-config.ts';
export { type DestinationPolicy, destinationUrlProblem } from './destination-url.ts';
export { createGuardedLookup, type Resolve } from './guarded-lookup.ts';
export { DESTINATION_POLICY_VARIABLES, destinationPolicyFromEnv } from './policy-from-env.ts';
