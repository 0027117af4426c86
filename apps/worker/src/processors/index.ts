import { AllocationProcessor } from './allocation.processor';
import { MaintenanceProcessor } from './maintenance.processor';
import { MatchingProcessor } from './matching.processor';
import { ReportsProcessor } from './reports.processor';

/** Every provider holding @JobHandler methods; the JobRunner checks each job has exactly one. */
export const WORKER_PROCESSORS = [
  MatchingProcessor,
  MaintenanceProcessor,
  AllocationProcessor,
  ReportsProcessor,
];
