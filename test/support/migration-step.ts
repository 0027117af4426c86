import { DataSource, MigrationInterface } from 'typeorm';

/** Runs one migration's up or down in a transaction of its own, as the migration runner does. */
export async function runMigrationStep(
  db: DataSource,
  migration: MigrationInterface,
  step: 'up' | 'down',
): Promise<void> {
  const q = db.createQueryRunner();
  try {
    await q.startTransaction();
    await migration[step](q);
    await q.commitTransaction();
  } catch (error) {
    await q.rollbackTransaction();
    throw error;
  } finally {
    await q.release();
  }
}
