/**
 * queryColumns against real Postgres: the columns it returns hold exactly the values node-pg's row by
 * row parse gives for the same query (floats to the bit, NULLs, text with separators, quotes and
 * non-ASCII), in the same order.
 */
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { queryColumns } from '../libs/domain/src/database/columnar-query';
import { testConfig } from './setup/test-env';

/** Rows of the four kinds, in the order given (ordinality). */
const ROWS = `SELECT x, label, flag, n
  FROM unnest($1::float8[], $2::text[], $3::bool[], $4::int[]) WITH ORDINALITY AS t(x, label, flag, n, ord)
  ORDER BY ord`;
const SHAPE = { x: 'number', label: 'text', flag: 'boolean', n: 'number' } as const;

interface Row {
  x: number | null;
  label: string | null;
  flag: boolean | null;
  n: number | null;
}

describe('queryColumns (real Postgres)', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: testConfig().DATABASE_URL });
    await db.initialize();
  });

  afterAll(async () => {
    await db.destroy();
  });

  /** The same rows through node-pg's row parse and through queryColumns, as rows. */
  async function bothWays(params: unknown[]): Promise<{ rows: Row[]; columns: Row[] }> {
    const rows = (await db.query(ROWS, params)) as Row[];
    const { length, columns: c } = await queryColumns(db.manager, ROWS, params, SHAPE);
    const columns = Array.from({ length }, (_, i) => ({
      x: c.x[i],
      label: c.label[i],
      flag: c.flag[i],
      n: c.n[i],
    }));
    return { rows, columns };
  }

  it('gives floats, text, booleans, integers and NULLs exactly as the row parse does', async () => {
    const params = [
      [0.1 + 0.2, 5e-324, 1.7976931348623157e308, -1.5, NaN, Infinity, null, 123456789.12345679],
      ['heat', 'a,b', 'quote " and \\ back', 'één, “twee”', '', null, '\u001f', '{1,2}'],
      [true, false, null, true, false, true, false, null],
      [0, -1, 2147483647, null, 42, 7, -2147483648, 3],
    ];
    const { rows, columns } = await bothWays(params);
    expect(columns).toHaveLength(8);
    expect(columns).toEqual(rows);
    // toEqual treats NaN as NaN; the floats also have to be the same doubles.
    columns.forEach((r, i) => expect(Object.is(r.x, rows[i].x)).toBe(true));
    expect(columns[0].x).toBe(0.1 + 0.2);
    expect(columns[1]).toEqual({ x: 5e-324, label: 'a,b', flag: false, n: -1 });
    expect(columns[6]).toEqual({ x: null, label: '\u001f', flag: false, n: -2147483648 });
  });

  it('returns empty columns for no rows, and nulls for a row of NULLs', async () => {
    const empty = await queryColumns(db.manager, ROWS, [[], [], [], []], SHAPE);
    expect(empty).toEqual({ length: 0, columns: { x: [], label: [], flag: [], n: [] } });
    const nulls = await queryColumns(db.manager, ROWS, [[null], [null], [null], [null]], SHAPE);
    expect(nulls).toEqual({ length: 1, columns: { x: [null], label: [null], flag: [null], n: [null] } });
  });

  it('agrees with the row parse on random rows', async () => {
    const row = fc.record({
      x: fc.option(fc.double(), { nil: null }),
      // Postgres text cannot hold NUL.
      label: fc.option(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000')),
        { nil: null },
      ),
      flag: fc.option(fc.boolean(), { nil: null }),
      n: fc.option(fc.integer(), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 40 }), async (drawn) => {
        const params = [
          drawn.map((r) => r.x),
          drawn.map((r) => r.label),
          drawn.map((r) => r.flag),
          drawn.map((r) => r.n),
        ];
        const { rows, columns } = await bothWays(params);
        expect(columns).toEqual(rows);
        columns.forEach((r, i) => expect(Object.is(r.x, rows[i].x)).toBe(true));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a column name it would have to quote', async () => {
    await expect(queryColumns(db.manager, ROWS, [[], [], [], []], { 'x; DROP': 'number' })).rejects.toThrow(
      'not a plain column name',
    );
  });
});
