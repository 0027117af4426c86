import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { DomainError, ErrorCode, HTTP_STATUS_BY_CODE } from '@symbiose/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody } from './error-body';

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.DependencyUnavailable,
};

/** Fastify's own errors carry a code and a statusCode; map the ones a client can cause. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: ErrorCode.PayloadTooLarge, message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: ErrorCode.UnsupportedMediaType,
    message: 'Unsupported content type',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: ErrorCode.MalformedJson, message: 'Body must not be empty JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: ErrorCode.MalformedJson, message: 'Body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: ErrorCode.MalformedJson, message: 'Invalid content length' },
};

function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === '57P01' ||
    code === '57P03' ||
    code === '08006' ||
    code === '08001' ||
    (err instanceof Error &&
      /Connection terminated|timeout exceeded when trying to connect/.test(err.message))
  );
}

/** The single place where failures become HTTP: every error leaves as the shared error body. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    body.requestId = String(request.id);
    if (body.statusCode >= 500 && body.code !== ErrorCode.DependencyUnavailable) {
      this.logger.error({ err: exception, requestId: request.id }, 'unhandled error');
    }
    if (body.statusCode === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        statusCode: exception.status,
        code: exception.code,
        message: exception.message,
        ...(exception.errors ? { errors: exception.errors } : {}),
      };
    }
    if (exception instanceof ThrottlerException) {
      return { statusCode: 429, code: ErrorCode.RateLimited, message: 'Too many requests, try again later' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const isRouteMiss =
        status === 404 &&
        typeof response === 'object' &&
        /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(
          String((response as { message?: unknown }).message ?? ''),
        );
      const extra =
        typeof response === 'object' && response !== null && 'details' in response
          ? { details: (response as { details: unknown }).details }
          : {};
      return {
        statusCode: status,
        code: isRouteMiss ? ErrorCode.RouteNotFound : (CODE_BY_HTTP_STATUS[status] ?? ErrorCode.Internal),
        message: isRouteMiss ? 'Route not found' : exception.message,
        ...extra,
      };
    }
    const fastifyCode = (exception as { code?: string })?.code;
    if (fastifyCode && FASTIFY_ERRORS[fastifyCode]) {
      const mapped = FASTIFY_ERRORS[fastifyCode];
      return { statusCode: HTTP_STATUS_BY_CODE[mapped.code], code: mapped.code, message: mapped.message };
    }
    const statusCode = (exception as { statusCode?: number })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return {
        statusCode,
        code: CODE_BY_HTTP_STATUS[statusCode] ?? ErrorCode.ValidationFailed,
        message: (exception as Error).message,
      };
    }
    const pgCode = (exception as { code?: string; driverError?: { code?: string } })?.driverError?.code;
    if (pgCode === '40P01' || pgCode === '40001' || pgCode === '57014') {
      // Deadlock or serialization failure between concurrent writers, or a statement cancelled so that a
      // full re-match could swap the matches table in (MatchTableRebuild): nothing was written; retrying works.
      return { statusCode: 409, code: ErrorCode.Conflict, message: 'Concurrent update, please retry' };
    }
    if (isDatabaseUnavailable(exception)) {
      return { statusCode: 503, code: ErrorCode.DependencyUnavailable, message: 'Database unavailable' };
    }
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      code: ErrorCode.Internal,
      message: 'Internal error',
    };
  }
}
