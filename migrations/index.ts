import { Identity1764400000000 } from './1764400000000-identity';

/** Every migration, in order. Listed explicitly so compiled and ts-node runs see the same set. */
export const MIGRATIONS = [Identity1764400000000];
