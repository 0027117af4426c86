import type {
  Category,
  Co2Quality,
  DemandSource,
  Direction,
  HeatQuality,
  HydrogenQuality,
  MaterialQuality,
  QuantityInput,
  RegulatoryStatus,
  SupplyHandling,
  WaterQuality,
} from '@symbiose/engine';
import type { InitialStatus, StreamStatus } from './stream-lifecycle';

export const VISIBILITIES = ['anonymous', 'named'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** The quality blocks, each under its category's name; a stream carries exactly its category's one. */
export interface QualityBlocks {
  heat?: HeatQuality | null;
  co2?: Co2Quality | null;
  hydrogen?: HydrogenQuality | null;
  material?: MaterialQuality | null;
  water?: WaterQuality | null;
}

/** A stream as a client describes it (the API shape, already type-checked field by field). */
export interface StreamInput extends QualityBlocks {
  siteId: string;
  direction: Direction;
  category: Category;
  title: string;
  description?: string | null;
  quantity: QuantityInput;
  currentHandling?: SupplyHandling | null;
  currentSource?: DemandSource | null;
  availableFrom?: string | null;
  availableUntil?: string | null;
  maxDistanceKm?: number | null;
  regulatoryStatus?: RegulatoryStatus | null;
  visibility?: Visibility | null;
}

export interface CreateStreamInput extends StreamInput {
  status?: InitialStatus | null;
}

/**
 * A partial change. Direction and category are fixed for a stream's life (a different one is a new
 * listing); a block or the quantity replaces the old one as a whole; `null` clears an optional field.
 */
export type StreamPatch = Partial<Omit<StreamInput, 'direction' | 'category'>>;

export interface SiteLocation {
  latitude: number;
  longitude: number;
  country: 'BE' | 'NL';
  hasQuay: boolean;
  hasRail: boolean;
}

/** What the API returns for a stream. */
export interface StreamView extends QualityBlocks {
  id: string;
  siteId: string;
  companyId: string;
  direction: Direction;
  category: Category;
  title: string;
  description: string;
  /** As entered. */
  quantity: QuantityInput;
  /** Normalised to the category's canonical unit per year. */
  annualQuantity: { amount: number; unit: string };
  currentHandling?: SupplyHandling;
  currentSource?: DemandSource;
  availableFrom: string | null;
  availableUntil: string | null;
  maxDistanceKm: number | null;
  regulatoryStatus?: RegulatoryStatus | null;
  visibility: Visibility;
  status: StreamStatus;
  version: number;
  matchedVersion: number;
  /** True while the stream's matches are older than its version (the worker has it queued). */
  matchingPending: boolean;
  /** Facts copied from the site: where the stream is and which transport modes it can use. */
  location: SiteLocation;
  createdAt: string;
  updatedAt: string;
}
