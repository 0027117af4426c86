import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** The development JWT secret only works outside production, so a forgotten variable cannot ship. */
export const DEV_JWT_SECRET = 'symbiose-development-secret-not-for-production';

/**
 * Every environment variable the API and worker read. Defaults work on a developer machine with
 * local Postgres and Redis; anything invalid stops boot with the variable's name.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/symbiose';

  /**
   * Connections each process keeps open while idle (of at most 20). The rest close after 10 s unused; a
   * request on a new connection waits for a backend that has not loaded a catalog entry, planned a
   * statement or compiled a trigger function yet (a POST /streams after 12 s idle: 45–48 ms, against
   * 19–21 ms on a kept connection).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  DB_POOL_MIN = 4;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** BullMQ key prefix; braces make it a Redis Cluster hash tag so all queue keys share one slot. */
  @Matches(/^\{[a-z0-9_-]+\}$/, { message: 'must be a Redis hash tag such as {symbiose}' })
  QUEUE_PREFIX = '{symbiose}';

  @IsString()
  @MinLength(32)
  JWT_SECRET = DEV_JWT_SECRET;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  JWT_TTL_SECONDS = 900;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES = 256 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  MATCH_TOP_K = 50;

  /**
   * An incremental job whose writes outside the stream's own top K (pairs entering other streams'
   * lists, the pairs they push out) exceed this many rows commits the stream's own top K first and the
   * rest right after, in a second transaction (MatchingService.matchStream). 0: every job commits its
   * own list first, which makes a new stream's matches readable about a third sooner (README).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  MATCH_DEFER_AFTER = 0;

  /**
   * A stream job's new proposals are announced this long after its commit, by one delivery job for
   * every job of a burst (the first request in the window schedules it, the rest join it), so the
   * notification digest does not compete with the first reads of the new matches. 0: each job
   * delivers its own right after it commits.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  MATCH_NOTIFY_DELAY_MS = 250;

  /** Rows per statement of a full re-match's writes (a supply's K best are written in such batches while the run scores). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MATCH_WRITE_BATCH = 20_000;

  /**
   * Worker threads that score a full re-match's categories side by side while the main thread writes
   * (0: score on the main thread). Used for runs of at least MATCH_THREADS_MIN_STREAMS active streams:
   * below that, starting the threads costs more than it saves.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(16)
  MATCH_SCORING_THREADS = 2;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  MATCH_THREADS_MIN_STREAMS = 20_000;

  /**
   * Young generation of each scoring thread, in MB (0: V8's default, 48). A thread keeps a category's
   * pairs, millions of objects, and the collector's copying of them dominated at the default; 96 took a
   * 100,000-stream run into an empty store from 35 s to 29 s for about 0.1 GiB more per thread.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(4096)
  MATCH_THREAD_YOUNG_GENERATION_MB = 96;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  SWEEP_INTERVAL_MS = 30_000;

  /** How long a worker holds a job before another may take it over (a crashed worker's job restarts after this). */
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(600_000)
  JOB_LOCK_MS = 30_000;

  @Matches(/^[^@\s]+@[^@\s]+$/, { message: 'must be an e-mail address' })
  ADMIN_EMAIL = 'admin@symbiose.local';

  @IsString()
  @MinLength(12)
  @MaxLength(200)
  ADMIN_PASSWORD = 'symbiose-admin-demo';

  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_WINDOW_SECONDS = 900;
}

export type AppConfig = Readonly<EnvironmentVariables>;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map(
      (message) => `${error.property}: ${message} (got ${JSON.stringify(error.value)})`,
    ),
  );
}

/** Reads and validates the environment; throws ConfigValidationError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const raw: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(EnvironmentVariables, raw);
  const problems = describe(validateSync(config, { forbidUnknownValues: false }));
  if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET: must be set to a secret of at least 32 characters in production');
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return Object.freeze(config);
}
