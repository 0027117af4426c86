/**
 * Helpers of the reports suites: a fresh database of the suite's own, and tiny strict parsers for the
 * report's CSV (RFC 4180) and SVG (XML well-formedness), so the formats are checked by parsing them.
 */
import { AppConfig } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { isolatedConfig } from './support/worker-harness';

/** A migrated database of the suite's own, emptied of everything a previous run left. */
export async function freshReportsDatabase(name: string): Promise<AppConfig> {
  const config = await isolatedConfig(name);
  const db = new DataSource({ type: 'postgres', url: config.DATABASE_URL });
  await db.initialize();
  try {
    await db.query(
      `TRUNCATE companies, users, allocation_plans, report_cells, report_company_months, report_summary_checks,
         match_runs CASCADE`,
    );
    await db.query(
      `UPDATE report_state SET approved_through = date_trunc('month', now() AT TIME ZONE 'Europe/Brussels')::date`,
    );
  } finally {
    await db.destroy();
  }
  return config;
}

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields with "" for a quote. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n' || c === '\r' || c === '"') {
      throw new Error(
        `CSV: bare ${JSON.stringify(c)} at ${i} (records end with CRLF, quotes only around fields)`,
      );
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quote');
  if (field !== '' || record.length > 0) throw new Error('CSV: the last record must end with CRLF');
  return records;
}

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*(?::[\w.-]+)?/;
const ENTITY = /^&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);/;

/** A strict subset of XML 1.0 well-formedness: one root, matched tags, quoted attributes, escaped text. */
export function parseXml(input: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at ${i}: ${JSON.stringify(input.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (i < input.length && /\s/.test(input[i])) i++;
  };
  const checkText = (text: string) => {
    for (let k = 0; k < text.length; k++) {
      if (text[k] === '<') fail('"<" in text');
      if (text[k] === '&' && !ENTITY.test(text.slice(k))) fail('unescaped "&"');
    }
  };
  const element = (): XmlElement => {
    if (input[i] !== '<') fail('expected "<"');
    i++;
    const name = NAME.exec(input.slice(i))?.[0] ?? fail('bad element name');
    i += name.length;
    const node: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (input.startsWith('/>', i)) {
        i += 2;
        return node;
      }
      if (input[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = NAME.exec(input.slice(i))?.[0] ?? fail('bad attribute name');
      i += attr.length;
      if (input[i] !== '=') fail('expected "="');
      i++;
      const quote = input[i];
      if (quote !== '"' && quote !== "'") fail('unquoted attribute value');
      const end = input.indexOf(quote, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const value = input.slice(i + 1, end);
      checkText(value);
      if (attr in node.attributes) fail(`duplicate attribute ${attr}`);
      node.attributes[attr] = value;
      i = end + 1;
    }
    for (;;) {
      const next = input.indexOf('<', i);
      if (next < 0) fail(`unclosed <${name}>`);
      const text = input.slice(i, next);
      checkText(text);
      node.text += text;
      i = next;
      if (input.startsWith('</', i)) {
        i += 2;
        const close = NAME.exec(input.slice(i))?.[0];
        if (close !== name) fail(`</${close}> closes <${name}>`);
        i += name.length;
        skipSpace();
        if (input[i] !== '>') fail('expected ">"');
        i++;
        return node;
      }
      if (input.startsWith('<!--', i)) {
        const end = input.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      node.children.push(element());
    }
  };
  skipSpace();
  if (input.startsWith('<?xml', i)) {
    const end = input.indexOf('?>', i);
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== input.length) fail('content after the root element');
  return root;
}

export function findAll(node: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = predicate(node) ? [node] : [];
  for (const child of node.children) out.push(...findAll(child, predicate));
  return out;
}
