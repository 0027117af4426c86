import { Identity1764400000000 } from './1764400000000-identity';
import { StreamsAndMatches1764500000000 } from './1764500000000-streams-and-matches';
import { IdentityConstraints1764410000000 } from './1764410000000-identity-constraints';
import { StreamListings1764510000000 } from './1764510000000-stream-listings';
import { MatchingState1764550000000 } from './1764550000000-matching-state';
import { Allocation1764700000000 } from './1764700000000-allocation';
import { MatchWorkflow1764600000000 } from './1764600000000-match-workflow';
import { DeliveriesReports1764800000000 } from './1764800000000-deliveries-reports';
import { MatchStateSync1764950000000 } from './1764950000000-match-state-sync';
import { MatchProposalOutbox1764960000000 } from './1764960000000-match-proposal-outbox';
import { MatchProposalDigest1764970000000 } from './1764970000000-match-proposal-digest';
import { MatchRankFloors1764980000000 } from './1764980000000-match-rank-floors';
import { MatchesDemandIndex1764990000000 } from './1764990000000-matches-demand-index';
import { MatchProposalNotices1765000000000 } from './1765000000000-match-proposal-notices';
import { MatchProposalsAfterCommit1765010000000 } from './1765010000000-match-proposals-after-commit';
import { MatchesStatusPartialIndex1765020000000 } from './1765020000000-matches-status-partial-index';
import { MatchesStreamReferences1765030000000 } from './1765030000000-matches-stream-references';
import { MatcherPendingWrites1765040000000 } from './1765040000000-matcher-pending-writes';
import { MatcherPendingWritesStorage1765050000000 } from './1765050000000-matcher-pending-writes-storage';
import { MatchesFlagMask1765060000000 } from './1765060000000-matches-flag-mask';
import { MatchesPairKeyRanks1765070000000 } from './1765070000000-matches-pair-key-ranks';
import { MatchProposalRunMarker1765080000000 } from './1765080000000-match-proposal-run-marker';
import { DigestQueuedIdsPlan1765090000000 } from './1765090000000-digest-queued-ids-plan';
import { StreamDeletesWaitForMatching1765100000000 } from './1765100000000-stream-deletes-wait-for-matching';
import { MatchesListedColumn1765110000000 } from './1765110000000-matches-listed-column';
import { StreamRankFloorsTable1765120000000 } from './1765120000000-stream-rank-floors-table';

/** Every migration, in order. Listed explicitly so compiled and ts-node runs see the same set. */
export const MIGRATIONS = [
  Identity1764400000000,
  StreamsAndMatches1764500000000,
  IdentityConstraints1764410000000,
  StreamListings1764510000000,
  MatchingState1764550000000,
  Allocation1764700000000,
  MatchWorkflow1764600000000,
  DeliveriesReports1764800000000,
  MatchStateSync1764950000000,
  MatchProposalOutbox1764960000000,
  MatchProposalDigest1764970000000,
  MatchRankFloors1764980000000,
  MatchesDemandIndex1764990000000,
  MatchProposalNotices1765000000000,
  MatchProposalsAfterCommit1765010000000,
  MatchesStatusPartialIndex1765020000000,
  MatchesStreamReferences1765030000000,
  MatcherPendingWrites1765040000000,
  MatcherPendingWritesStorage1765050000000,
  MatchesFlagMask1765060000000,
  MatchesPairKeyRanks1765070000000,
  MatchProposalRunMarker1765080000000,
  DigestQueuedIdsPlan1765090000000,
  StreamDeletesWaitForMatching1765100000000,
  MatchesListedColumn1765110000000,
  StreamRankFloorsTable1765120000000,
];
