/**
 * Every feature's matrix table. To add your routes: create `<feature>.rows.ts` exporting a
 * MatrixFeature (see identity.rows.ts for the format) and append it here.
 */
import { identityMatrix } from './identity.rows';
import { expandRows, MatrixFeature } from './matrix';

export const MATRIX_FEATURES: MatrixFeature[] = [identityMatrix];

/** The whole table as plain rows: method, path template, role, expected status. */
export const MATRIX_ROWS = expandRows(MATRIX_FEATURES.flatMap((f) => f.lines));

export * from './matrix';
export { buildMatrixWorld } from './world';
