import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity hardening: the database enforces what the API validates (lengths, region format, a
 * site's country fixed by its region), and the list routes' stable order (created_at, id) and the
 * login-throttle sweep get their indexes.
 */
export class IdentityConstraints1764410000000 implements MigrationInterface {
  name = 'IdentityConstraints1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE companies
        ADD CONSTRAINT companies_registration_number_format CHECK (registration_number ~ '^[0-9]{8,10}$'),
        ADD CONSTRAINT companies_nace_code_format CHECK (nace_code ~ '^[0-9]{2}(\\.[0-9]{1,2})?$')`);
    await q.query(`CREATE INDEX companies_list_idx ON companies (created_at, id)`);

    await q.query(`
      ALTER TABLE sites
        ADD CONSTRAINT sites_name_length CHECK (length(name) BETWEEN 1 AND 200),
        ADD CONSTRAINT sites_municipality_length CHECK (length(municipality) BETWEEN 1 AND 100),
        ADD CONSTRAINT sites_region_format CHECK (region ~ '^(BE|NL)-[A-Z]{2,3}$'),
        ADD CONSTRAINT sites_country_of_region CHECK (country = substr(region, 1, 2))`);
    await q.query(`CREATE INDEX sites_list_idx ON sites (created_at, id)`);

    await q.query(`
      ALTER TABLE users
        ADD CONSTRAINT users_email_length CHECK (length(email) BETWEEN 3 AND 254),
        ADD CONSTRAINT users_region_format CHECK (region IS NULL OR region ~ '^(BE|NL)-[A-Z]{2,3}$')`);
    await q.query(`CREATE INDEX users_list_idx ON users (created_at, id)`);

    await q.query(`
      ALTER TABLE api_keys
        ADD CONSTRAINT api_keys_name_length CHECK (length(name) BETWEEN 1 AND 100)`);
    await q.query(`CREATE INDEX login_failures_window_idx ON login_failures (window_started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX login_failures_window_idx, users_list_idx, sites_list_idx, companies_list_idx`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_name_length`);
    await q.query(
      `ALTER TABLE users DROP CONSTRAINT users_email_length, DROP CONSTRAINT users_region_format`,
    );
    await q.query(`
      ALTER TABLE sites
        DROP CONSTRAINT sites_name_length,
        DROP CONSTRAINT sites_municipality_length,
        DROP CONSTRAINT sites_region_format,
        DROP CONSTRAINT sites_country_of_region`);
    await q.query(`
      ALTER TABLE companies
        DROP CONSTRAINT companies_registration_number_format,
        DROP CONSTRAINT companies_nace_code_format`);
  }
}
