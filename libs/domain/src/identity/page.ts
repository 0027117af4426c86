/** Paging of every list route: `{items, page, pageSize, total}` with pageSize ≤ 100. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** Keeps OFFSET (page × pageSize) far below Postgres' bigint and any sane table size. */
export const MAX_PAGE = 100_000;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface Paginated<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export function pageRequest(page?: number, pageSize?: number): PageRequest {
  return {
    page: Math.min(Math.max(Math.trunc(page ?? 1), 1), MAX_PAGE),
    pageSize: Math.min(Math.max(Math.trunc(pageSize ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE),
  };
}

export function pageOffset(request: PageRequest): number {
  return (request.page - 1) * request.pageSize;
}

export function mapPage<A, B>(page: Paginated<A>, map: (item: A) => B): Paginated<B> {
  return { ...page, items: page.items.map(map) };
}
