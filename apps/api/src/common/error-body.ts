/** The one error body every failure shares. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors?: Record<string, string>;
  requestId?: string;
  [extra: string]: unknown;
}
