import { SetMetadata } from '@nestjs/common';
import { JobName } from './queue.constants';

export const JOB_HANDLER_METADATA = 'symbiose:job-handler';

/** Marks a worker method as the one handler of a job name; the worker checks coverage at boot. */
export const JobHandler = (name: JobName) => SetMetadata(JOB_HANDLER_METADATA, name);
