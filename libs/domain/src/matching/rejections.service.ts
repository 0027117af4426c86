import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CURRENT_FACTOR_SET, estimatePair, greatCircleKm } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { STREAM_COLUMNS, matcherStreamColumns, StreamRow, toMatchable } from './matching.types';

/** How many of the nearest candidates are examined when an officer asks why matches are missing. */
const NEAREST = 25;

export interface RejectedCandidate {
  reason: string;
  detail: string;
  category: string;
  region: string;
  municipality: string;
  /** Rounded to 5 km, like an anonymous counterpart. */
  distanceKm: number;
}

/**
 * Explains absent matches: the nearest opposite-direction streams of the category that the engine
 * rejects, with the reason code — without saying who they are.
 */
@Injectable()
export class RejectionsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async nearestRejections(streamId: string, limit = 10): Promise<RejectedCandidate[]> {
    const [row] = (await this.db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = $1`, [
      streamId,
    ])) as StreamRow[];
    if (!row) return [];
    const stream = toMatchable(row);
    // Nearest by an equirectangular distance on the candidate index's columns; exact distance follows.
    const candidates = (await this.db.query(
      `SELECT ${matcherStreamColumns('st')}, si.region, si.municipality
       FROM streams st JOIN sites si ON si.id = st.site_id
       WHERE st.category = $1 AND st.direction = $2 AND st.status = 'active'
       ORDER BY (st.latitude - $3) ^ 2 + ((st.longitude - $4) * cos(radians($3))) ^ 2
       LIMIT $5`,
      [
        stream.category,
        stream.direction === 'supply' ? 'demand' : 'supply',
        stream.site.latitude,
        stream.site.longitude,
        NEAREST,
      ],
    )) as (StreamRow & { region: string; municipality: string })[];
    const out: RejectedCandidate[] = [];
    for (const c of candidates) {
      const candidate = toMatchable(c);
      const distance = greatCircleKm(
        stream.site.latitude,
        stream.site.longitude,
        candidate.site.latitude,
        candidate.site.longitude,
      );
      const base = {
        category: c.category,
        region: c.region,
        municipality: c.municipality,
        distanceKm: Math.max(5, Math.round(distance / 5) * 5),
      };
      if (candidate.companyId === stream.companyId) {
        out.push({
          ...base,
          reason: 'same_company',
          detail: 'Exchanges within one company are not brokered',
        });
        continue;
      }
      const [supply, demand] = stream.direction === 'supply' ? [stream, candidate] : [candidate, stream];
      const result = estimatePair(supply, demand, CURRENT_FACTOR_SET);
      if (!result.ok) out.push({ ...base, reason: result.reason, detail: result.detail });
      if (out.length >= limit) break;
    }
    return out;
  }
}
