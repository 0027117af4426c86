/** Queues and jobs. Every job name belongs to one queue and has one payload type. */
export enum QueueName {
  Matching = 'matching',
  Maintenance = 'maintenance',
}

export enum JobName {
  /** Recompute one stream's matches for the version that was saved. */
  MatchStream = 'match-stream',
  /** Repeatable: re-enqueue every dirty stream (matchedVersion < version), the outbox relay. */
  SweepDirtyStreams = 'sweep-dirty-streams',
  /** Full re-match of every active stream (on request or engine/factor change). */
  MatchRun = 'match-run',
  /** Repeatable: expire streams whose availableUntil has passed. */
  ExpireStreams = 'expire-streams',
  /** Recompute the region-wide allocation plan once matching has settled (debounced; see ALLOCATE_REGION_DEBOUNCE). */
  AllocateRegion = 'allocate-region',
  /** Repeatable (daily) and on request: rebuild the reports' summary tables from raw rows and record any drift. */
  CheckReportSummaries = 'check-report-summaries',
  /** Announce the new proposals stream jobs queued in match_proposal_outbox (throttled; see MATCH_NOTIFY_THROTTLE). */
  DeliverMatchNotifications = 'deliver-match-notifications',
}

export interface JobPayloads {
  [JobName.MatchStream]: { streamId: string; version: number };
  [JobName.SweepDirtyStreams]: Record<string, never>;
  [JobName.MatchRun]: { runId: string };
  [JobName.ExpireStreams]: Record<string, never>;
  /** `requestedAt`: ISO time of the (first) request the debounced job stands for. */
  [JobName.AllocateRegion]: { requestedAt: string };
  /** `checkId`: the report_summary_checks row of a requested check; a scheduled run creates its own. */
  [JobName.CheckReportSummaries]: { checkId?: string };
  /** `requestedAt`: ISO time of the first request the throttled job stands for. */
  [JobName.DeliverMatchNotifications]: { requestedAt: string };
}

export const QUEUE_OF_JOB: Readonly<Record<JobName, QueueName>> = {
  [JobName.MatchStream]: QueueName.Matching,
  [JobName.SweepDirtyStreams]: QueueName.Maintenance,
  [JobName.MatchRun]: QueueName.Maintenance,
  [JobName.ExpireStreams]: QueueName.Maintenance,
  [JobName.AllocateRegion]: QueueName.Maintenance,
  [JobName.CheckReportSummaries]: QueueName.Maintenance,
  // Beside the stream jobs (concurrency > 1), not behind a long maintenance job.
  [JobName.DeliverMatchNotifications]: QueueName.Matching,
};

/** BullMQ job ids may not contain ':'; ids are deterministic so a duplicate enqueue is a no-op. */
export function jobIdFor<N extends JobName>(name: N, payload: JobPayloads[N]): string | undefined {
  switch (name) {
    case JobName.MatchStream: {
      const p = payload as JobPayloads[JobName.MatchStream];
      return `match-stream_${p.streamId}_v${p.version}`;
    }
    case JobName.MatchRun:
      return `match-run_${(payload as JobPayloads[JobName.MatchRun]).runId}`;
    case JobName.CheckReportSummaries: {
      const checkId = (payload as JobPayloads[JobName.CheckReportSummaries]).checkId;
      return checkId ? `check-report-summaries_${checkId}` : undefined;
    }
    case JobName.AllocateRegion:
    case JobName.DeliverMatchNotifications:
      // Unique per request time: dedup is by the deduplication id of ALLOCATE_REGION_DEBOUNCE or
      // MATCH_NOTIFY_THROTTLE, not the job id, because a fixed id would collide with the completed job
      // that JOB_RETENTION keeps.
      return requestTimeJobId(name, (payload as { requestedAt: string }).requestedAt);
    default:
      return undefined;
  }
}

/** `<job name>_<requestedAt in epoch ms>` (0 for a time that does not parse). */
function requestTimeJobId(name: JobName, requestedAt: string): string {
  const at = Date.parse(requestedAt);
  return `${name}_${Number.isFinite(at) ? at : 0}`;
}

/**
 * Debounce of allocate-region: every request pushes the one pending job back to `delay` ms from now
 * (`reschedule` while it is delayed), so the plan is recomputed once matching has been quiet that
 * long; a request while the job is running queues exactly one follow-up (`keepLastIfActive`), so a
 * change committed during a solve is never lost and two solves never run at once from this path.
 */
export const ALLOCATE_REGION_DEBOUNCE = {
  delay: 5000,
  deduplication: { id: 'allocate-region', keepLastIfActive: true, reschedule: true },
} as const;

/**
 * Throttle of deliver-match-notifications (the delay is MATCH_NOTIFY_DELAY_MS): the first request
 * schedules the job, requests while it is delayed or waiting join it (unlike allocate-region's
 * debounce, a steady stream of jobs cannot push delivery back indefinitely), and a request while it runs
 * queues one follow-up, so proposals queued during a delivery are announced by the next one.
 */
export const MATCH_NOTIFY_THROTTLE = {
  deduplication: { id: 'deliver-match-notifications', keepLastIfActive: true },
} as const;

/** Bounds on what Redis keeps of finished jobs. */
export const JOB_RETENTION = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
} as const;
