/**
 * @publisher/destination-policy — where the publishing worker may be pointed, checked the same way
 * by the command API (at input) and the worker (at delivery, after DNS resolution). See ../README.md.
 */
export { credentialValueKind, isCredentialName } from './credential-names.ts';
export { destinationConfigProblems, type FieldProblems } from './destination-config.ts';
export { type DestinationPolicy, destinationUrlProblem, hostRefusal, type UrlRules } from './destination-url.ts';
export { createGuardedLookup, DestinationRefusedError, type Resolve } from './guarded-lookup.ts';
export { hostNameRefusal } from './host-name.ts';
export { type AddressRefusal, addressRefusal, isIpLiteral } from './ip-address.ts';
export { DESTINATION_POLICY_VARIABLES, destinationPolicyFromEnv } from './policy-from-env.ts';
