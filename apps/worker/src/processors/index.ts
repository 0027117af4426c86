/** Every provider holding @JobHandler methods; the JobRunner checks each job has exactly one. */
export const WORKER_PROCESSORS = [];
