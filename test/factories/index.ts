/** Test data builders shared by every e2e suite: see identity.factories.ts and auth.factories.ts. */
export * from './identity.factories';
export * from './auth.factories';
