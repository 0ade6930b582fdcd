/**
 * The statuses of each record kind, as plain lists: the status schemas (`PublishingStatus`,
 * `DeploymentStatus`) are built from them. Their own module with no imports, so the support
 * console's browser bundle can take them without the rest of this package.
 */
export const PUBLISHING_STATUSES = ['pending', 'publishing', 'published', 'failed'] as const;
export const DEPLOYMENT_STATUSES = ['pending', 'deploying', 'deployed', 'failed', 'rolled_back', 'cancelled'] as const;
