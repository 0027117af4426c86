/**
 * Every feature's matrix table. To add your routes: create `<feature>.rows.ts` exporting a
 * MatrixFeature (see identity.rows.ts for the format) and append it here.
 */
import { allocationMatrix } from './allocation.rows';
import { deliveriesMatrix } from './deliveries.rows';
import { identityMatrix } from './identity.rows';
import { matchesMatrix } from './matches.rows';
import { expandRows, MatrixFeature } from './matrix';
import { reportsMatrix } from './reports.rows';
import { streamsMatrix } from './streams.rows';

export const MATRIX_FEATURES: MatrixFeature[] = [
  identityMatrix,
  streamsMatrix,
  allocationMatrix,
  matchesMatrix,
  deliveriesMatrix,
  reportsMatrix,
];

/** The whole table as plain rows: method, path template, role, expected status. */
export const MATRIX_ROWS = expandRows(MATRIX_FEATURES.flatMap((f) => f.lines));

export * from './matrix';
export { buildMatrixWorld } from './world';
