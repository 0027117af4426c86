import { Identity1764400000000 } from './1764400000000-identity';
import { StreamsAndMatches1764500000000 } from './1764500000000-streams-and-matches';
import { IdentityConstraints1764410000000 } from './1764410000000-identity-constraints';
import { StreamListings1764510000000 } from './1764510000000-stream-listings';

/** Every migration, in order. Listed explicitly so compiled and ts-node runs see the same set. */
export const MIGRATIONS = [
  Identity1764400000000,
  StreamsAndMatches1764500000000,
  IdentityConstraints1764410000000,
  StreamListings1764510000000,
];
