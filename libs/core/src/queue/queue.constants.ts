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
}

export interface JobPayloads {
  [JobName.MatchStream]: { streamId: string; version: number };
  [JobName.SweepDirtyStreams]: Record<string, never>;
  [JobName.MatchRun]: { runId: string };
  [JobName.ExpireStreams]: Record<string, never>;
}

export const QUEUE_OF_JOB: Readonly<Record<JobName, QueueName>> = {
  [JobName.MatchStream]: QueueName.Matching,
  [JobName.SweepDirtyStreams]: QueueName.Maintenance,
  [JobName.MatchRun]: QueueName.Maintenance,
  [JobName.ExpireStreams]: QueueName.Maintenance,
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
    default:
      return undefined;
  }
}

/** Bounds on what Redis keeps of finished jobs. */
export const JOB_RETENTION = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
} as const;
